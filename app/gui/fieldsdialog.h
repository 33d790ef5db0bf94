#pragma once

#include <QDialog>
#include <QStringList>

#include <optional>
#include <vector>

class QWidget;

namespace nodus {

// A small form that asks for one or more values: a line edit per field, or
// a combo box where the field offers choices. The window's default edit
// prompts (rename, Fill/Scale/Add value, Cast to, Add Attribute).
class FieldsDialog : public QDialog {
    Q_OBJECT
public:
    struct Field {
        QString label;
        QString value;
        QStringList choices; // a combo box when not empty
    };

    FieldsDialog(const QString& title, const std::vector<Field>& fields, QWidget* parent = nullptr);

    QStringList values() const;

    // Shows the dialog and returns the values, or nullopt when cancelled.
    static std::optional<QStringList> ask(QWidget* parent, const QString& title, const std::vector<Field>& fields);

private:
    std::vector<QWidget*> editors_;
};

} // namespace nodus
