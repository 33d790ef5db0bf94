#pragma once

#include <QWidget>

class QLabel;
class QLineEdit;

namespace nodus {

// A label that turns into a line edit on double-click or F2 when editable:
// Enter asks for the change (edited()), Escape or leaving the field keeps
// the old text. The label never changes by itself: whoever applies the edit
// sets the new text, so a refused edit leaves the label as it was.
// Multi-line texts (doc strings) are edited on one line with "\n" standing
// for each line break.
class EditableLabel : public QWidget {
    Q_OBJECT
public:
    explicit EditableLabel(QWidget* parent = nullptr);

    void setText(const QString& text);
    QString text() const { return text_; }

    void setEditable(bool editable);
    bool isEditable() const { return editable_; }
    void setWordWrap(bool wrap);

    // Opens the editor with the text selected; nothing when not editable.
    void startEditing();
    bool isEditing() const;
    QLabel* label() const { return label_; }
    QLineEdit* editor() const { return editor_; }

    // As tall as the label, or the editor while editing. No layout: a
    // layout's height-for-width would be that of the taller of the two.
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;
    bool hasHeightForWidth() const override;
    int heightForWidth(int width) const override;

signals:
    // Enter pressed with a text different from the shown one (queued: it
    // arrives once the editor has closed).
    void edited(const QString& text);

protected:
    bool eventFilter(QObject* watched, QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void mouseDoubleClickEvent(QMouseEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    void finishEditing(bool commit);
    void showEditor(bool editing);

    QLabel* label_;
    QLineEdit* editor_;
    QString text_;
    bool editable_ = false;
};

} // namespace nodus
