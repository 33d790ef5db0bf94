#pragma once

#include <QStringList>

namespace nodus {

// The File > Open Recent list, kept in QSettings so it survives restarts and
// is shared by every window. Files that have gone away are dropped when the
// list is read, so the menu never offers something that cannot open.
class RecentFiles {
public:
    static constexpr int kMaximum = 10;

    // Newest first, existing files only.
    QStringList files() const;
    void add(const QString& path);
    void remove(const QString& path);
    void clear();

private:
    static void store(const QStringList& files);
};

} // namespace nodus
