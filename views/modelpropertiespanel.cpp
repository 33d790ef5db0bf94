#include "modelpropertiespanel.h"

#include "formats/formatregistry.h"
#include "ir/model.h"
#include "ir/modelsummary.h"

#include <QFormLayout>
#include <QLabel>
#include <QLocale>
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

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(placeholder_);
    layout->addLayout(form_);
    layout->addStretch(1);
}

void ModelPropertiesPanel::clear()
{
    while (form_->rowCount() > 0)
        form_->removeRow(0);
    placeholder_->show();
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
    placeholder_->hide();

    const ModelSummary s = ModelSummary::of(*model);
    const QLocale locale;
    const Format* format = FormatRegistry::instance().byName(s.format);

    addRow(tr("File"), qs(model->sourcePath.filename().string()));
    addRow(tr("Format"), format ? qs(std::string(format->displayName())) : qs(s.format));
    QString producer = qs(s.producer);
    if (!s.producerVersion.empty())
        producer += QLatin1Char(' ') + qs(s.producerVersion);
    addRow(tr("Producer"), producer.isEmpty() ? tr("(not recorded)") : producer);
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
}

QString ModelPropertiesPanel::fieldText(const QString& field) const
{
    const auto* label = findChild<QLabel*>(field);
    return label ? label->text() : QString();
}

} // namespace nodus
