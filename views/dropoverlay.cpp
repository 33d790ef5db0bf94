#include "dropoverlay.h"

#include "convertpanel.h"

#include <QDragEnterEvent>
#include <QMimeData>
#include <QPainter>

namespace nodus {

DropOverlay::DropOverlay(QWidget* parent)
    : QWidget(parent)
{
    setObjectName(QStringLiteral("dropOverlay"));
    setAcceptDrops(true);
    hide();
}

void DropOverlay::showFor(const QString& convertText)
{
    convertText_ = convertText;
    setGeometry(parentWidget()->rect());
    raise();
    show();
    update();
}

QRect DropOverlay::targetRect(Target target) const
{
    // Open takes the larger part: it is what most drops mean.
    const QRect r = rect().adjusted(16, 16, -16, -16);
    const int split = r.left() + r.width() * 3 / 5;
    if (target == Target::Open)
        return QRect(r.topLeft(), QPoint(split - 8, r.bottom()));
    if (target == Target::Convert)
        return QRect(QPoint(split + 8, r.top()), r.bottomRight());
    return {};
}

DropOverlay::Target DropOverlay::targetAt(const QPoint& pos) const
{
    if (targetRect(Target::Convert).contains(pos))
        return Target::Convert;
    if (rect().contains(pos))
        return Target::Open;
    return Target::None;
}

void DropOverlay::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    p.setRenderHint(QPainter::Antialiasing);
    const QColor base = palette().color(QPalette::Window);
    p.fillRect(rect(), QColor(base.red(), base.green(), base.blue(), 215));
    const QColor accent = palette().color(QPalette::Highlight);
    const auto drawTarget = [&](Target t, const QString& title, const QString& detail) {
        const QRect r = targetRect(t);
        const bool on = hover_ == t;
        p.setPen(QPen(on ? accent : palette().color(QPalette::Mid), on ? 3 : 2, Qt::DashLine));
        p.setBrush(on ? QBrush(QColor(accent.red(), accent.green(), accent.blue(), 50)) : QBrush(Qt::NoBrush));
        p.drawRoundedRect(QRectF(r), 14, 14);
        QFont f = font();
        f.setPointSizeF(f.pointSizeF() * 1.6);
        f.setBold(true);
        p.setFont(f);
        p.setPen(palette().color(QPalette::WindowText));
        const QRect inner = r.adjusted(20, 20, -20, -20);
        p.drawText(inner.adjusted(0, 0, 0, -inner.height() / 2), Qt::AlignHCenter | Qt::AlignBottom, title);
        p.setFont(font());
        p.drawText(inner.adjusted(0, inner.height() / 2 + 8, 0, 0), Qt::AlignHCenter | Qt::AlignTop | Qt::TextWordWrap,
            detail);
    };
    drawTarget(Target::Open, tr("Open"), tr("each model in its own window"));
    drawTarget(Target::Convert, tr("Convert"), tr("Drop here %1").arg(convertText_));
}

void DropOverlay::dragEnterEvent(QDragEnterEvent* event)
{
    if (!ConvertPanel::acceptsDrop(event->mimeData())) {
        hide();
        return;
    }
    event->acceptProposedAction();
    hover_ = targetAt(event->position().toPoint());
    update();
}

void DropOverlay::dragMoveEvent(QDragMoveEvent* event)
{
    const Target t = targetAt(event->position().toPoint());
    if (t != hover_) {
        hover_ = t;
        update();
    }
    event->acceptProposedAction();
}

void DropOverlay::dragLeaveEvent(QDragLeaveEvent*)
{
    hover_ = Target::None;
    hide();
}

void DropOverlay::dropEvent(QDropEvent* event)
{
    const QStringList paths = ConvertPanel::localPaths(event->mimeData());
    const Target t = targetAt(event->position().toPoint());
    hover_ = Target::None;
    hide();
    if (paths.isEmpty() || t == Target::None)
        return;
    event->acceptProposedAction();
    if (t == Target::Convert)
        emit convertDropped(paths);
    else
        emit openDropped(paths);
}

} // namespace nodus
