#include "modelpropertiespanel.h"

#include "editablelabel.h"

#include "edit/commands.h"
#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"

#include <algorithm>

#include <QContextMenuEvent>
#include <QFormLayout>
#include <QLabel>
#include <QLocale>
#include <QMenu>
#include <QScrollArea>
#include <QVBoxLayout>

namespace nodus {

namespace {

QString qs(const std::string& s)
{
    return QString::fromStdString(s);
}

} // namespace

ModelPropertiesPanel::ModelPropertiesPanel(QWidget* parent)
    : QWidget(parent)
    , form_(new QFormLayout)
    , placeholder_(new QLabel(tr("No model open"), this))
{
    form_->setLabelAlignment(Qt::AlignLeft);
    form_->setRowWrapPolicy(QFormLayout::DontWrapRows);
    placeholder_->setAlignment(Qt::AlignCenter);
    placeholder_->setEnabled(false);

    // Scrolled, so that a long list (op types, metadata) never makes the
    // window taller than the screen.
    auto* content = new QWidget;
    auto* inner = new QVBoxLayout(content);
    inner->addLayout(form_);
    inner->addStretch(1);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(placeholder_);
    layout->addWidget(scroll);
}

QSize ModelPropertiesPanel::sizeHint() const
{
    return { std::min(QWidget::sizeHint().width(), 320), QWidget::sizeHint().height() };
}

QSize ModelPropertiesPanel::minimumSizeHint() const
{
    return { std::min(QWidget::minimumSizeHint().width(), 200), QWidget::minimumSizeHint().height() };
}

void ModelPropertiesPanel::clear()
{
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    model_.reset();
    placeholder_->show();
}

void ModelPropertiesPanel::setEditable(bool editable)
{
    editable_ = editable;
    for (auto* field : findChildren<EditableLabel*>())
        field->setEditable(editable);
}

EditableLabel* ModelPropertiesPanel::addEditableRow(const QString& label, const QString& field, const QString& text)
{
    auto* value = new EditableLabel;
    value->setObjectName(field);
    value->setText(text);
    value->setWordWrap(true);
    value->setEditable(editable_);
    form_->addRow(label + QLatin1Char(':'), value);
    return value;
}

EditableLabel* ModelPropertiesPanel::editableField(const QString& field) const
{
    return findChild<EditableLabel*>(field);
}

void ModelPropertiesPanel::removeMetadata(const QString& key)
{
    if (!model_)
        return;
    ModelProperties p;
    p.metadata = model_->metadata;
    std::erase_if(*p.metadata, [&](const auto& kv) { return kv.first == key.toStdString(); });
    emit propertiesEditRequested(p);
}

void ModelPropertiesPanel::contextMenuEvent(QContextMenuEvent* event)
{
    if (!model_ || !editable_)
        return;
    QMenu menu(this);
    // The metadata row under the pointer, if any.
    for (QWidget* w = childAt(event->pos()); w && w != this; w = w->parentWidget()) {
        if (auto* field = qobject_cast<EditableLabel*>(w)) {
            if (field->objectName().startsWith(QLatin1String("metadata:"))) {
                const QString key = field->objectName().mid(9);
                menu.addAction(tr("Remove Property '%1'").arg(key), this, [this, key] { removeMetadata(key); });
            }
            break;
        }
    }
    menu.addAction(tr("Add Metadata Property…"), this, &ModelPropertiesPanel::metadataAddRequested);
    menu.exec(event->globalPos());
}

void ModelPropertiesPanel::addRow(const QString& field, const QString& text)
{
    auto* value = new QLabel(text);
    value->setObjectName(field);
    // People copy producer strings and op lists into bug reports.
    value->setTextInteractionFlags(Qt::TextSelectableByMouse);
    value->setWordWrap(true);
    form_->addRow(field + QLatin1Char(':'), value);
}

void ModelPropertiesPanel::showModel(const std::shared_ptr<const Model>& model)
{
    clear();
    if (!model)
        return;
    model_ = model;
    placeholder_->hide();

    const ModelSummary s = ModelSummary::of(*model);
    const QLocale locale;
    const Format* format = FormatRegistry::instance().byName(s.format);

    addRow(tr("File"), qs(model->sourcePath.filename().string()));
    addRow(tr("Format"), format ? qs(std::string(format->displayName())) : qs(s.format));
    const auto edit = [this](ModelProperties p) { emit propertiesEditRequested(p); };
    connect(addEditableRow(tr("Producer"), QStringLiteral("Producer"), qs(model->producerName)), &EditableLabel::edited,
        this, [edit](const QString& text) {
            ModelProperties p;
            p.producerName = text.toStdString();
            edit(p);
        });
    connect(addEditableRow(tr("Producer version"), QStringLiteral("Producer version"), qs(model->producerVersion)),
        &EditableLabel::edited, this, [edit](const QString& text) {
            ModelProperties p;
            p.producerVersion = text.toStdString();
            edit(p);
        });
    addRow(tr("IR version"), s.irVersion ? QString::number(s.irVersion) : tr("(not recorded)"));
    QStringList opsets;
    for (const auto& [domain, version] : s.opsets)
        opsets << QStringLiteral("%1 %2").arg(qs(domain)).arg(version);
    addRow(tr("Opsets"), opsets.isEmpty() ? tr("(none)") : opsets.join(QStringLiteral(", ")));
    addRow(tr("Graph"), s.graphName.empty() ? tr("(unnamed)") : qs(s.graphName));
    addRow(tr("Nodes"), locale.toString(qulonglong(s.nodes)));
    addRow(tr("Inputs"), locale.toString(qulonglong(s.inputs)));
    addRow(tr("Outputs"), locale.toString(qulonglong(s.outputs)));
    addRow(tr("Tensors"), locale.toString(qulonglong(s.tensors)));
    addRow(tr("Parameters"), locale.toString(qulonglong(s.parameters)));
    if (s.subgraphs)
        addRow(tr("Subgraphs"), locale.toString(qulonglong(s.subgraphs)));
    if (s.functions)
        addRow(tr("Functions"), locale.toString(qulonglong(s.functions)));
    QStringList ops;
    for (const auto& op : s.opTypes)
        ops << qs(op);
    addRow(tr("Op types"), tr("%1: %2").arg(ops.size()).arg(ops.join(QStringLiteral(", "))));

    connect(addEditableRow(tr("Doc string"), QStringLiteral("Doc string"), qs(model->docString)),
        &EditableLabel::edited, this, [edit](const QString& text) {
            ModelProperties p;
            p.docString = text.toStdString();
            edit(p);
        });
    for (std::size_t k = 0; k < model->metadata.size(); ++k) {
        const auto& [key, value] = model->metadata[k];
        connect(addEditableRow(qs(key), QStringLiteral("metadata:") + qs(key), qs(value)), &EditableLabel::edited, this,
            [this, edit, k](const QString& text) {
                if (!model_ || k >= model_->metadata.size())
                    return;
                ModelProperties p;
                p.metadata = model_->metadata;
                (*p.metadata)[k].second = text.toStdString();
                edit(p);
            });
    }
}

QString ModelPropertiesPanel::fieldText(const QString& field) const
{
    if (const auto* editable = editableField(field))
        return editable->text();
    const auto* label = findChild<QLabel*>(field);
    return label ? label->text() : QString();
}

} // namespace nodus
