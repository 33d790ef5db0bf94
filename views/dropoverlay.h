#pragma once

#include <QStringList>
#include <QWidget>

namespace nodus {

// Shown over the graph while files are dragged onto the window: two targets,
// Open (each model in its own window) and Convert (with the Convert panel's
// settings, named on the target). Dropping on one says which; leaving hides it.
class DropOverlay : public QWidget {
    Q_OBJECT
public:
    enum class Target { None, Open, Convert };

    explicit DropOverlay(QWidget* parent);

    // Covers the parent and shows; `convertText` describes the Convert target.
    void showFor(const QString& convertText);
    Target targetAt(const QPoint& pos) const;
    QRect targetRect(Target target) const;

signals:
    void openDropped(const QStringList& paths);
    void convertDropped(const QStringList& paths);

protected:
    void paintEvent(QPaintEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dragMoveEvent(QDragMoveEvent* event) override;
    void dragLeaveEvent(QDragLeaveEvent* event) override;
    void dropEvent(QDropEvent* event) override;

private:
    Target hover_ = Target::None;
    QString convertText_;
};

} // namespace nodus
