#include "singleinstance.h"

#include <QLocalServer>
#include <QLocalSocket>
#include <QPointer>
#include <QTimer>

namespace nodus {

namespace {

// A line longer than this is not from Nodus: the connection is dropped.
constexpr qint64 kMaxMessage = 1 << 20;

} // namespace

SingleInstance::SingleInstance(QObject* parent)
    : QObject(parent)
{
}

SingleInstance::~SingleInstance() = default;

QString SingleInstance::defaultName()
{
    const QByteArray override = qgetenv("NODUS_INSTANCE");
    if (!override.isEmpty())
        return QString::fromUtf8(override);
    QString user = qEnvironmentVariable("USER");
    if (user.isEmpty())
        user = qEnvironmentVariable("USERNAME");
    return QStringLiteral("nodus-") + (user.isEmpty() ? QStringLiteral("user") : user);
}

bool SingleInstance::forward(const QString& name, const QStringList& files, int timeoutMs)
{
    QLocalSocket socket;
    socket.connectToServer(name);
    if (!socket.waitForConnected(timeoutMs))
        return false;
    QByteArray message = files.join(QChar(0)).toUtf8();
    message.append('\n');
    socket.write(message);
    if (!socket.waitForBytesWritten(timeoutMs))
        return false;
    QByteArray reply;
    while (!reply.contains('\n')) {
        if (!socket.waitForReadyRead(timeoutMs))
            return false;
        reply += socket.readAll();
    }
    return reply.startsWith("ok");
}

bool SingleInstance::listen(const QString& name)
{
    server_ = new QLocalServer(this);
    // Only this user may hand us files.
    server_->setSocketOptions(QLocalServer::UserAccessOption);
    if (!server_->listen(name)) {
        // A socket file left by an instance that crashed: nobody answers it.
        QLocalSocket probe;
        probe.connectToServer(name);
        if (probe.waitForConnected(500)) {
            error_ = tr("another instance is listening on %1").arg(name);
            return false;
        }
        QLocalServer::removeServer(name);
        if (!server_->listen(name)) {
            error_ = server_->errorString();
            return false;
        }
    }
    connect(server_, &QLocalServer::newConnection, this, &SingleInstance::onConnection);
    return true;
}

void SingleInstance::onConnection()
{
    while (QLocalSocket* socket = server_->nextPendingConnection()) {
        connect(socket, &QLocalSocket::disconnected, socket, &QObject::deleteLater);
        // A client that connects and says nothing is dropped.
        QTimer::singleShot(10000, socket, [socket] { socket->disconnectFromServer(); });
        connect(socket, &QLocalSocket::readyRead, this, [this, socket] {
            if (socket->bytesAvailable() > kMaxMessage) {
                socket->disconnectFromServer();
                return;
            }
            if (!socket->canReadLine())
                return;
            QByteArray line = socket->readLine(kMaxMessage);
            line.chop(1);
            QStringList files;
            if (!line.isEmpty())
                files = QString::fromUtf8(line).split(QChar(0), Qt::SkipEmptyParts);
            socket->write("ok\n");
            socket->flush();
            emit filesReceived(files);
        });
    }
}

} // namespace nodus
