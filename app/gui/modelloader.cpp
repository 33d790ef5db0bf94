#include "modelloader.h"

#include "formats/formatregistry.h"
#include "formats/onnx/onnxshapeinference.h"
#include "ir/model.h"
#include "util/error.h"

#include <QElapsedTimer>
#include <QFile>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <filesystem>

namespace nodus {

std::filesystem::path toFilesystemPath(const QString& path)
{
#ifdef _WIN32
    return std::filesystem::path(path.toStdWString());
#else
    return std::filesystem::path(QFile::encodeName(path).toStdString());
#endif
}

QString errorMessage(const std::exception& e, const QString& path)
{
    const QString what = QString::fromLocal8Bit(e.what());
    return what.contains(path) ? what : QStringLiteral("%1: %2").arg(path, what);
}

namespace {

struct Outcome {
    std::shared_ptr<Model> model;
    QString error;
    bool needsKey = false;
    double seconds = 0;
};

// Runs on a pool thread. Exceptions must not cross QtConcurrent (they would
// arrive as QUnhandledException without their message), so they become text.
Outcome read(const QString& path, const ReadOptions& options)
{
    Outcome out;
    QElapsedTimer timer;
    timer.start();
    try {
        out.model = FormatRegistry::instance().open(toFilesystemPath(path), options);
        out.seconds = timer.elapsed() / 1000.0;
        // Edge labels and panels want shapes the file leaves out; this only
        // fills the IR's value types, never the file.
        inferOnnxShapes(*out.model);
        return out;
    } catch (const KeyRequiredError& e) {
        out.error = QString::fromLocal8Bit(e.what());
        out.needsKey = true;
    } catch (const std::bad_alloc&) {
        out.error = QObject::tr("%1: not enough memory to open this model").arg(path);
    } catch (const std::exception& e) {
        out.error = errorMessage(e, path);
    } catch (...) {
        out.error = QObject::tr("%1: the reader failed without saying why").arg(path);
    }
    out.seconds = timer.elapsed() / 1000.0;
    return out;
}

} // namespace

ModelLoader::ModelLoader(QObject* parent)
    : QObject(parent)
{
}

// A read still running finishes on its pool thread and its result is freed
// there with the future; nothing waits for it here.
ModelLoader::~ModelLoader() = default;

void ModelLoader::load(const QString& path, const ReadOptions& options)
{
    const quint64 ticket = ++latest_;
    loading_ = true;
    auto* watcher = new QFutureWatcher<Outcome>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, ticket, path] {
        watcher->deleteLater();
        if (ticket != latest_)
            return;
        loading_ = false;
        Outcome out = watcher->result();
        if (out.model)
            emit loaded(path, std::move(out.model), out.seconds);
        else if (out.needsKey)
            emit keyRequired(path, out.error);
        else
            emit failed(path, out.error);
    });
    watcher->setFuture(QtConcurrent::run(read, path, options));
}

} // namespace nodus
