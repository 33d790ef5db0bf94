#include "fieldsdialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QLineEdit>
#include <QVBoxLayout>

namespace nodus {

FieldsDialog::FieldsDialog(const QString& title, const std::vector<Field>& fields, QWidget* parent)
    : QDialog(parent)
{
    setWindowTitle(title);
    setObjectName(QStringLiteral("fieldsDialog"));
    auto* form = new QFormLayout;
    for (const Field& f : fields) {
        if (f.choices.isEmpty()) {
            auto* edit = new QLineEdit(f.value, this);
            edit->setMinimumWidth(fontMetrics().averageCharWidth() * 40);
            edit->selectAll();
            form->addRow(f.label, edit);
            editors_.push_back(edit);
        } else {
            auto* box = new QComboBox(this);
            box->addItems(f.choices);
            box->setCurrentText(f.value);
            form->addRow(f.label, box);
            editors_.push_back(box);
        }
    }
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(buttons);
}

QStringList FieldsDialog::values() const
{
    QStringList out;
    for (QWidget* w : editors_) {
        if (auto* edit = qobject_cast<QLineEdit*>(w))
            out << edit->text();
        else if (auto* box = qobject_cast<QComboBox*>(w))
            out << box->currentText();
    }
    return out;
}

std::optional<QStringList> FieldsDialog::ask(QWidget* parent, const QString& title, const std::vector<Field>& fields)
{
    FieldsDialog dialog(title, fields, parent);
    dialog.setWindowModality(Qt::WindowModal);
    if (dialog.exec() != QDialog::Accepted)
        return std::nullopt;
    return dialog.values();
}

} // namespace nodus
