#pragma once

#include <QWidget>

#include <cstdint>
#include <vector>

namespace nodus {

// Bars of equal-width bins between two values, with the range written
// under them; hovering a bar tells its range and count.
class HistogramWidget : public QWidget {
    Q_OBJECT
public:
    explicit HistogramWidget(QWidget* parent = nullptr);

    void setHistogram(std::vector<std::uint64_t> counts, double min, double max);
    void clear();

    const std::vector<std::uint64_t>& counts() const { return counts_; }
    double min() const { return min_; }
    double max() const { return max_; }
    // The bin under x (widget coordinates), or -1.
    int binAt(int x) const;

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

private:
    QRect plotRect() const;

    std::vector<std::uint64_t> counts_;
    double min_ = 0;
    double max_ = 0;
};

} // namespace nodus
