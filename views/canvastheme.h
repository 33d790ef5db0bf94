#pragma once

#include <QColor>

#include <array>
#include <string_view>

class QPalette;

namespace nodus {

// Colours of the graph canvas, its minimap and its exports. A plain value so
// an export can use a theme other than the one on screen.
struct CanvasTheme {
    // Op categories from OpMetadata, plus the item kinds that are not ops.
    // The order is the index into `styles`.
    enum Style : int {
        Plain,
        Layer,
        Activation,
        Pool,
        Normalization,
        Dropout,
        Shape,
        Tensor,
        Data,
        Quantization,
        Control,
        Logic,
        Group, // a collapsed group
        Io, // a graph input or output
        StyleCount
    };

    struct ItemStyle {
        QColor fill;
        QColor border;
        QColor title;
        QColor subtitle;
    };

    bool dark = false;
    QColor background;
    QColor edge;
    QColor edgeLabel;
    QColor accent; // selection and highlight
    QColor groupStack; // the cards behind a collapsed group
    QColor frameBorder;
    QColor frameLabel;
    std::array<QColor, 4> frameFill; // by nesting depth, deeper ones repeat the last
    QColor minimapBackground;
    QColor minimapBorder;
    std::array<ItemStyle, StyleCount> styles;

    const ItemStyle& style(int s) const { return styles[static_cast<std::size_t>(s)]; }
    const QColor& frameFillAt(int depth) const;

    // Maps an OpMetadata category name to a style; unknown names draw plain.
    static Style styleForCategory(std::string_view category);

    static CanvasTheme light();
    static CanvasTheme darkTheme();
    // Dark when the palette's window colour is dark, so the canvas follows
    // the desktop's colour scheme.
    static CanvasTheme forPalette(const QPalette& palette);
};

} // namespace nodus
