#pragma once

#include "edit/commands.h"

#include <QUndoCommand>

#include <functional>
#include <memory>

namespace nodus {

class Model;

// One core edit command on a document's QUndoStack. The window applies the
// command before pushing it (so a refusal pushes nothing); the first
// redo(), which QUndoStack::push() makes, therefore only reports the change.
// A command that fails on a later undo or redo (the model was changed
// behind the stack's back) reports why and drops out of the stack.
class EditUndoCommand : public QUndoCommand {
public:
    using Edited = std::function<void(EditKind)>;
    using Failed = std::function<void(const QString& message)>;

    EditUndoCommand(EditCommandPtr applied, std::shared_ptr<Model> model, EditKind kind, Edited edited, Failed failed);

    void undo() override;
    void redo() override;

    EditKind kind() const { return kind_; }
    const EditCommand& command() const { return *command_; }

private:
    void run(bool apply);

    EditCommandPtr command_;
    std::shared_ptr<Model> model_;
    EditKind kind_;
    Edited edited_;
    Failed failed_;
    bool applied_ = true;
};

} // namespace nodus
