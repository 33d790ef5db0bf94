#include "editablelabel.h"

#include <QEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QLineEdit>

namespace nodus {

namespace {

QString toOneLine(QString text)
{
    return text.replace(QLatin1Char('\n'), QLatin1String("\\n"));
}

QString fromOneLine(QString text)
{
    return text.replace(QLatin1String("\\n"), QLatin1String("\n"));
}

} // namespace

EditableLabel::EditableLabel(QWidget* parent)
    : QWidget(parent)
    , label_(new QLabel(this))
    , editor_(new QLineEdit(this))
{
    editor_->hide();
    label_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    label_->setTextFormat(Qt::PlainText);
    label_->installEventFilter(this);
    editor_->installEventFilter(this);
    connect(editor_, &QLineEdit::returnPressed, this, [this] { finishEditing(true); });
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Maximum);
}

void EditableLabel::setText(const QString& text)
{
    text_ = text;
    label_->setText(text);
    updateGeometry();
}

void EditableLabel::setEditable(bool editable)
{
    editable_ = editable;
    setFocusPolicy(editable ? Qt::StrongFocus : Qt::NoFocus);
    label_->setToolTip(editable ? tr("Double-click or press F2 to edit") : QString());
    if (!editable && isEditing())
        finishEditing(false);
}

void EditableLabel::setWordWrap(bool wrap)
{
    label_->setWordWrap(wrap);
}

QSize EditableLabel::sizeHint() const
{
    return isEditing() ? editor_->sizeHint() : label_->sizeHint();
}

QSize EditableLabel::minimumSizeHint() const
{
    return isEditing() ? editor_->minimumSizeHint() : label_->minimumSizeHint();
}

bool EditableLabel::hasHeightForWidth() const
{
    return !isEditing() && label_->hasHeightForWidth();
}

int EditableLabel::heightForWidth(int width) const
{
    return isEditing() ? editor_->sizeHint().height() : label_->heightForWidth(width);
}

bool EditableLabel::isEditing() const
{
    return !editor_->isHidden();
}

void EditableLabel::showEditor(bool editing)
{
    label_->setVisible(!editing);
    editor_->setVisible(editing);
    updateGeometry();
}

void EditableLabel::resizeEvent(QResizeEvent* event)
{
    QWidget::resizeEvent(event);
    label_->setGeometry(rect());
    editor_->setGeometry(rect());
}

void EditableLabel::startEditing()
{
    if (!editable_)
        return;
    editor_->setText(toOneLine(text_));
    showEditor(true);
    editor_->setFocus(Qt::OtherFocusReason);
    editor_->selectAll();
}

void EditableLabel::finishEditing(bool commit)
{
    if (!isEditing())
        return;
    const QString typed = fromOneLine(editor_->text());
    showEditor(false);
    // Queued: applying the edit may rebuild the panel holding this label,
    // which must not happen inside the line edit's own key handling.
    if (commit && typed != text_)
        QMetaObject::invokeMethod(
            this, [this, typed] { emit edited(typed); }, Qt::QueuedConnection);
}

bool EditableLabel::eventFilter(QObject* watched, QEvent* event)
{
    if (watched == label_ && event->type() == QEvent::MouseButtonDblClick && editable_) {
        startEditing();
        return true;
    }
    if (watched == editor_) {
        if (event->type() == QEvent::KeyPress && static_cast<QKeyEvent*>(event)->key() == Qt::Key_Escape) {
            finishEditing(false);
            return true;
        }
        // Leaving the field is not a decision to apply what was typed.
        if (event->type() == QEvent::FocusOut)
            finishEditing(false);
    }
    return QWidget::eventFilter(watched, event);
}

void EditableLabel::keyPressEvent(QKeyEvent* event)
{
    if (event->key() == Qt::Key_F2 && editable_) {
        startEditing();
        return;
    }
    QWidget::keyPressEvent(event);
}

void EditableLabel::mouseDoubleClickEvent(QMouseEvent* event)
{
    if (editable_) {
        startEditing();
        return;
    }
    QWidget::mouseDoubleClickEvent(event);
}

} // namespace nodus
