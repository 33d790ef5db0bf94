#pragma once

#include <QWidget>

#include <memory>

class QFormLayout;
class QLabel;

namespace nodus {

class EditableLabel;
class Model;
struct ModelProperties;

// Model-level facts at a glance: where it came from and how big it is.
// When editable, the producer, its version, the doc string and the
// metadata properties are edited in place (double-click or F2; a context
// menu adds and removes properties); each edit is a request the window
// applies as a command, then shows the model again.
class ModelPropertiesPanel : public QWidget {
    Q_OBJECT
public:
    explicit ModelPropertiesPanel(QWidget* parent = nullptr);

    void showModel(const std::shared_ptr<const Model>& model);
    void clear();
    void setEditable(bool editable);
    // A modest width: word-wrapped labels ask for one that grows with their
    // text (Qt aims at a pleasing aspect ratio), so a model with many op
    // types would widen the whole dock and squeeze the graph.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

    // The text shown for a field ("Format", "Nodes", ...); empty when absent.
    // Metadata properties are fields named "metadata:KEY".
    QString fieldText(const QString& field) const;
    // The in-place editor of "Producer", "Producer version", "Doc string"
    // or "metadata:KEY"; null when there is none.
    EditableLabel* editableField(const QString& field) const;

signals:
    void propertiesEditRequested(const nodus::ModelProperties& properties);
    void metadataAddRequested();

protected:
    void contextMenuEvent(QContextMenuEvent* event) override;

private:
    void addRow(const QString& field, const QString& text);
    EditableLabel* addEditableRow(const QString& label, const QString& field, const QString& text);
    void removeMetadata(const QString& key);

    QFormLayout* form_;
    QLabel* placeholder_;
    std::shared_ptr<const Model> model_;
    bool editable_ = false;
};

} // namespace nodus
