#pragma once

#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;

namespace nodus {

class Model;

// Model-level facts at a glance: where it came from and how big it is.
class ModelPropertiesPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelPropertiesPanel(QWidget* parent = nullptr);

    void showModel(const std::shared_ptr<const Model>& model);
    void clear();

    // The text shown for a field ("Format", "Nodes", ...); empty when absent.
    QString fieldText(const QString& field) const;

private:
    void addRow(const QString& field, const QString& text);

    QFormLayout* form_;
    QLabel* placeholder_;
};

} // namespace nodus
