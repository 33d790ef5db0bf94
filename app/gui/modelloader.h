#pragma once

#include <QObject>
#include <QString>

#include "formats/format.h"

#include <exception>
#include <filesystem>
#include <memory>

namespace nodus {

class Model;

// The path as the file system spells it, not UTF-8 by assumption.
std::filesystem::path toFilesystemPath(const QString& path);
// An exception's message for the user, naming `path` (nodus::Error already
// does; other exceptions get it added).
QString errorMessage(const std::exception& e, const QString& path);

// Reads model files on a worker thread so the window keeps painting while a
// large file is parsed. Only the newest request reports back: opening B
// while A is still loading means A's result is dropped, not shown late.
class ModelLoader : public QObject {
    Q_OBJECT
public:
    explicit ModelLoader(QObject* parent = nullptr);
    ~ModelLoader() override;

    void load(const QString& path, const ReadOptions& options = {});
    bool isLoading() const { return loading_; }

signals:
    void loaded(const QString& path, std::shared_ptr<nodus::Model> model, double seconds);
    void failed(const QString& path, const QString& message);
    // The file is encrypted: load it again with a key.
    void keyRequired(const QString& path, const QString& message);

private:
    quint64 latest_ = 0;
    bool loading_ = false;
};

} // namespace nodus
