#pragma once

#include "ir/graphsearch.h"

#include <QIcon>
#include <QWidget>

#include <array>
#include <vector>

class QComboBox;
class QLabel;
class QLineEdit;
class QTreeWidget;
class QTimer;

namespace nodus {

class Graph;

// Find nodes, values and tensors by name, op type or regular expression.
// Results follow the typing (after a short pause, so a 20,000-node graph is
// not searched once per keystroke); Enter or a double-click goes to a hit.
class FindPanel : public QWidget {
    Q_OBJECT
public:
    static constexpr int kDebounceMs = 150;

    explicit FindPanel(QWidget* parent = nullptr);

    // The panel reads `graph` until the next setGraph; null clears it.
    void setGraph(const Graph* graph);
    void focusSearch();

    void setQuery(const QString& text);
    QString query() const;
    void setMode(SearchMode mode);
    SearchMode mode() const;

    const std::vector<SearchHit>& hits() const { return hits_; }
    QString errorText() const;
    QLineEdit* lineEdit() const { return edit_; }
    // One row per hit: name, op type or value type, graph path.
    QTreeWidget* resultsList() const { return results_; }

signals:
    void hitActivated(const nodus::SearchHit& hit);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void search();
    void activateRow(int row);
    int currentRow() const;

    const Graph* graph_ = nullptr;
    QLineEdit* edit_;
    QComboBox* modeBox_;
    QLabel* error_;
    QLabel* status_;
    QTreeWidget* results_;
    QTimer* debounce_;
    std::vector<SearchHit> hits_;
    std::array<QIcon, 3> kindIcons_; // by SearchHit::Kind
};

} // namespace nodus

Q_DECLARE_METATYPE(nodus::SearchHit)
