#pragma once

#include <QObject>
#include <QStringList>

class QLocalServer;

namespace nodus {

// One Nodus per user session: a second launch hands its files to the running
// instance over a local socket (QLocalServer) and exits, so double-clicking
// models in a file manager opens them in the window already on screen.
//
// The protocol is one line of UTF-8 per launch: the absolute paths separated
// by NUL characters (an empty line only asks the instance to come to the
// front), answered by "ok\n" once the files are taken.
class SingleInstance : public QObject {
    Q_OBJECT
public:
    explicit SingleInstance(QObject* parent = nullptr);
    ~SingleInstance() override;

    // The per-user socket name; NODUS_INSTANCE overrides it (tests, or a
    // separate instance for another profile).
    static QString defaultName();
    // Hands `files` (absolute paths) to the instance listening on `name`.
    // True when it answered; false when none runs (or it did not answer in
    // time), so the caller becomes the instance.
    static bool forward(const QString& name, const QStringList& files, int timeoutMs = 3000);

    // Starts listening; a socket left behind by a crashed instance is
    // removed first. False (with the reason in errorString()) when it fails.
    bool listen(const QString& name);
    QString errorString() const { return error_; }

signals:
    // Files from another launch; empty when it only asked to be shown.
    void filesReceived(const QStringList& files);

private:
    void onConnection();

    QLocalServer* server_ = nullptr;
    QString error_;
};

} // namespace nodus
