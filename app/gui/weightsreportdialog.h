#pragma once

#include <QDialog>

class QLabel;
class QPlainTextEdit;

namespace nodus {

struct TransplantReport;

// What File > Load Weights did: a headline, then the lists in a read-only
// text box (they can run to thousands of names, and users copy them).
class WeightsReportDialog : public QDialog {
    Q_OBJECT
public:
    WeightsReportDialog(const TransplantReport& report, const QString& weightsFile, QWidget* parent = nullptr);

    QString headline() const;
    QString text() const;

    static QString headlineFor(const TransplantReport& report, const QString& weightsFile);
    // Mismatches (when any), parameters not loaded, unused weight entries;
    // one name a line, each list under a heading with its count.
    static QString textFor(const TransplantReport& report);

private:
    QLabel* headline_;
    QPlainTextEdit* text_;
};

} // namespace nodus
