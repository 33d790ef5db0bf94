#include "recentfiles.h"

#include <QFileInfo>
#include <QSettings>

namespace nodus {

namespace {

const QString kKey = QStringLiteral("recentFiles");

} // namespace

QStringList RecentFiles::files() const
{
    const QStringList stored = QSettings().value(kKey).toStringList();
    QStringList existing;
    for (const QString& path : stored)
        if (QFileInfo(path).isFile() && !existing.contains(path))
            existing << path;
    if (existing.size() > kMaximum)
        existing.resize(kMaximum);
    if (existing != stored)
        store(existing);
    return existing;
}

void RecentFiles::add(const QString& path)
{
    QStringList list = files();
    const QString absolute = QFileInfo(path).absoluteFilePath();
    list.removeAll(absolute);
    list.prepend(absolute);
    if (list.size() > kMaximum)
        list.resize(kMaximum);
    store(list);
}

void RecentFiles::remove(const QString& path)
{
    QStringList list = QSettings().value(kKey).toStringList();
    if (list.removeAll(QFileInfo(path).absoluteFilePath()) > 0)
        store(list);
}

void RecentFiles::clear()
{
    store({});
}

void RecentFiles::store(const QStringList& files)
{
    QSettings().setValue(kKey, files);
}

} // namespace nodus
