#include "modeloutline.h"

#include "modeloutlinemodel.h"

#include <QHeaderView>
#include <QPainter>

namespace nodus {

ModelOutline::ModelOutline(QWidget* parent)
    : QTreeView(parent)
    , model_(new ModelOutlineModel(this))
{
    setModel(model_);
    // Without this the view measures every row's height on layout, which is
    // what makes a 20,000-row tree slow; every row here is one line of text.
    setUniformRowHeights(true);
    setAlternatingRowColors(true);
    setSelectionBehavior(QAbstractItemView::SelectRows);
    setTextElideMode(Qt::ElideMiddle); // scoped names differ at both ends
    setAllColumnsShowFocus(true);
    // Widths are set, not measured from contents, for the same reason.
    header()->setStretchLastSection(true);
    header()->resizeSection(ModelOutlineModel::NameColumn, 360);
    header()->resizeSection(ModelOutlineModel::TypeColumn, 160);
}

void ModelOutline::showModel(std::shared_ptr<const Model> model)
{
    model_->setModel(std::move(model));
    for (int g = 0; g < ModelOutlineModel::GroupCount; ++g) {
        const QModelIndex group = model_->groupIndex(ModelOutlineModel::Group(g));
        // Inputs, outputs and nodes are what one looks for first; tensors are
        // mostly weights and would push the nodes out of sight. Expanding even
        // 20,000 nodes is cheap with uniform row heights: children stay closed.
        if (g != ModelOutlineModel::Tensors || model_->rowCount(group) <= 20)
            expand(group);
    }
}

void ModelOutline::paintEvent(QPaintEvent* event)
{
    QTreeView::paintEvent(event);
    if (model_->rowCount() > 0)
        return;
    // An empty window should say how to fill it.
    QPainter p(viewport());
    p.setPen(palette().color(QPalette::Disabled, QPalette::Text));
    p.drawText(viewport()->rect(), Qt::AlignCenter | Qt::TextWordWrap,
        tr("No model open.\nDrop a model file here or use File › Open."));
}

void ModelOutline::clear()
{
    model_->setModel(nullptr);
}

} // namespace nodus
