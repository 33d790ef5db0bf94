#include "editundocommand.h"

#include "ir/model.h"

namespace nodus {

EditUndoCommand::EditUndoCommand(
    EditCommandPtr applied, std::shared_ptr<Model> model, EditKind kind, Edited edited, Failed failed)
    : QUndoCommand(QString::fromStdString(applied->text()))
    , command_(std::move(applied))
    , model_(std::move(model))
    , kind_(kind)
    , edited_(std::move(edited))
    , failed_(std::move(failed))
{
}

void EditUndoCommand::undo()
{
    run(false);
}

void EditUndoCommand::redo()
{
    run(true);
}

void EditUndoCommand::run(bool apply)
{
    if (apply != applied_) {
        try {
            if (apply)
                command_->apply(*model_);
            else
                command_->revert(*model_);
            applied_ = apply;
        } catch (const std::exception& e) {
            // QUndoStack deletes an obsolete command instead of moving past it.
            setObsolete(true);
            failed_(QString::fromUtf8(e.what()));
            return;
        }
    }
    edited_(kind_);
}

} // namespace nodus
