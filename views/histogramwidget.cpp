#include "histogramwidget.h"

#include <QHelpEvent>
#include <QLocale>
#include <QPainter>
#include <QToolTip>

#include <algorithm>

namespace nodus {

namespace {

QString number(double v)
{
    return QString::number(v, 'g', 6);
}

} // namespace

HistogramWidget::HistogramWidget(QWidget* parent)
    : QWidget(parent)
{
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setMouseTracking(true);
}

void HistogramWidget::setHistogram(std::vector<std::uint64_t> counts, double min, double max)
{
    counts_ = std::move(counts);
    min_ = min;
    max_ = max;
    update();
}

void HistogramWidget::clear()
{
    counts_.clear();
    update();
}

QSize HistogramWidget::sizeHint() const
{
    return { 320, 120 };
}

QSize HistogramWidget::minimumSizeHint() const
{
    return { 120, fontMetrics().height() * 2 + 40 };
}

QRect HistogramWidget::plotRect() const
{
    const int labels = fontMetrics().height() + 4;
    return rect().adjusted(4, 4, -4, -labels);
}

int HistogramWidget::binAt(int x) const
{
    const QRect plot = plotRect();
    if (counts_.empty() || x < plot.left() || x > plot.right())
        return -1;
    if (min_ == max_)
        return 0;
    const int bins = int(counts_.size());
    return std::clamp(int(double(x - plot.left()) * bins / plot.width()), 0, bins - 1);
}

void HistogramWidget::paintEvent(QPaintEvent*)
{
    QPainter p(this);
    const QPalette& pal = palette();
    const QRect plot = plotRect();
    p.fillRect(plot, pal.color(QPalette::Base));
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(plot.adjusted(0, 0, -1, -1));

    if (counts_.empty()) {
        p.setPen(pal.color(QPalette::Disabled, QPalette::Text));
        p.drawText(plot, Qt::AlignCenter, tr("No finite values"));
        return;
    }

    const std::uint64_t peak = *std::max_element(counts_.begin(), counts_.end());
    const QColor bar = pal.color(QPalette::Highlight);
    const QRect inner = plot.adjusted(1, 1, -1, -1);
    if (min_ == max_) {
        // Every value the same: one bar in the middle says so best.
        const int w = std::max(4, inner.width() / 16);
        p.fillRect(QRect(inner.center().x() - w / 2, inner.top(), w, inner.height()), bar);
    } else if (peak > 0) {
        const int bins = int(counts_.size());
        for (int k = 0; k < bins; ++k) {
            if (counts_[std::size_t(k)] == 0)
                continue;
            const int x0 = inner.left() + int(double(k) * inner.width() / bins);
            const int x1 = inner.left() + int(double(k + 1) * inner.width() / bins);
            // A bin with a handful of values among millions still shows.
            const int h = std::max(1, int(double(counts_[std::size_t(k)]) / double(peak) * inner.height()));
            p.fillRect(QRect(x0, inner.bottom() - h + 1, std::max(1, x1 - x0 - 1), h), bar);
        }
    }

    p.setPen(pal.color(QPalette::WindowText));
    const QRect labels(plot.left(), plot.bottom() + 2, plot.width(), fontMetrics().height() + 2);
    if (min_ == max_) {
        p.drawText(labels, Qt::AlignHCenter | Qt::AlignTop, number(min_));
    } else {
        p.drawText(labels, Qt::AlignLeft | Qt::AlignTop, number(min_));
        p.drawText(labels, Qt::AlignRight | Qt::AlignTop, number(max_));
        if (min_ < 0 && max_ > 0) {
            // Where zero falls tells at a glance whether weights are centred.
            const int x = plot.left() + int(-min_ / (max_ - min_) * plot.width());
            p.setPen(QPen(pal.color(QPalette::WindowText), 1, Qt::DotLine));
            p.drawLine(x, plot.top() + 1, x, plot.bottom());
        }
    }
}

bool HistogramWidget::event(QEvent* event)
{
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        const int bin = binAt(help->pos().x());
        if (bin < 0) {
            QToolTip::hideText();
            event->ignore();
            return true;
        }
        const double width = (max_ - min_) / double(counts_.size());
        const double lo = min_ + width * bin;
        const bool last = bin + 1 == int(counts_.size());
        const QString range = min_ == max_
            ? number(min_)
            : QStringLiteral("[%1, %2%3")
                  .arg(number(lo), number(last ? max_ : lo + width), last ? QStringLiteral("]") : QStringLiteral(")"));
        QToolTip::showText(help->globalPos(),
            tr("%1: %2 values").arg(range, QLocale().toString(qulonglong(counts_[std::size_t(bin)]))), this);
        return true;
    }
    return QWidget::event(event);
}

} // namespace nodus
