#include "weightsreportdialog.h"

#include "edit/weighttransplant.h"

#include <QDialogButtonBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QLabel>
#include <QPlainTextEdit>
#include <QVBoxLayout>

namespace nodus {

namespace {

QString section(const QString& heading, const std::vector<std::string>& lines)
{
    if (lines.empty())
        return QObject::tr("%1: none").arg(heading);
    QString out = QStringLiteral("%1 (%2):").arg(heading).arg(lines.size());
    for (const auto& line : lines)
        out += QStringLiteral("\n  ") + QString::fromStdString(line);
    return out;
}

} // namespace

WeightsReportDialog::WeightsReportDialog(const TransplantReport& report, const QString& weightsFile, QWidget* parent)
    : QDialog(parent)
    , headline_(new QLabel(headlineFor(report, weightsFile), this))
    , text_(new QPlainTextEdit(textFor(report), this))
{
    setObjectName(QStringLiteral("weightsReport"));
    setWindowTitle(tr("Load Weights"));

    headline_->setObjectName(QStringLiteral("weightsReportHeadline"));
    headline_->setWordWrap(true);
    headline_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = headline_->font();
    bold.setBold(true);
    headline_->setFont(bold);

    text_->setObjectName(QStringLiteral("weightsReportText"));
    text_->setReadOnly(true);
    text_->setLineWrapMode(QPlainTextEdit::NoWrap);
    text_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));

    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(headline_);
    layout->addWidget(text_, 1);
    layout->addWidget(buttons);
    resize(640, 460);
}

QString WeightsReportDialog::headline() const
{
    return headline_->text();
}

QString WeightsReportDialog::text() const
{
    return text_->toPlainText();
}

QString WeightsReportDialog::headlineFor(const TransplantReport& report, const QString& weightsFile)
{
    const QString name = QFileInfo(weightsFile).fileName();
    const std::size_t parameters = report.loaded.size() + report.notLoaded.size() + report.mismatches.size();
    if (report.mismatches.size() == 1)
        return tr("Nothing was applied: 1 parameter of the model differs in type or shape from its weights in %1.")
            .arg(name);
    if (!report.mismatches.empty())
        return tr("Nothing was applied: %1 parameters of the model differ in type or shape from their weights in %2.")
            .arg(report.mismatches.size())
            .arg(name);
    if (report.loaded.empty())
        return tr("Nothing was loaded: no entry of %1 matches a parameter of the model.").arg(name);
    return tr("Loaded %1 of %2 parameters from %3.").arg(report.loaded.size()).arg(parameters).arg(name);
}

QString WeightsReportDialog::textFor(const TransplantReport& report)
{
    QStringList parts;
    if (!report.mismatches.empty())
        parts << section(tr("Type or shape mismatches"), report.mismatches);
    parts << section(tr("Parameters not loaded"), report.notLoaded);
    parts << section(tr("Unused weight entries"), report.unused);
    return parts.join(QStringLiteral("\n\n"));
}

} // namespace nodus
