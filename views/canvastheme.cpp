#include "canvastheme.h"

#include <QPalette>

#include <algorithm>
#include <utility>

namespace nodus {

namespace {

// Strong fills with white text for categorised ops (the look people know from
// Netron), and a quiet fill for uncategorised ones so the interesting ops stand out.
CanvasTheme::ItemStyle strong(const char* fill, const char* border, const char* subtitle = "#d9e1ea")
{
    return { QColor(fill), QColor(border), QColor("#ffffff"), QColor(subtitle) };
}

} // namespace

const QColor& CanvasTheme::frameFillAt(int depth) const
{
    return frameFill[static_cast<std::size_t>(std::clamp(depth, 0, static_cast<int>(frameFill.size()) - 1))];
}

CanvasTheme::Style CanvasTheme::styleForCategory(std::string_view category)
{
    static constexpr std::pair<std::string_view, Style> table[] = {
        { "Layer", Layer },
        { "Activation", Activation },
        { "Pool", Pool },
        { "Normalization", Normalization },
        { "Dropout", Dropout },
        { "Shape", Shape },
        { "Tensor", Tensor },
        { "Data", Data },
        { "Quantization", Quantization },
        { "Control", Control },
        { "Logic", Logic },
    };
    for (const auto& [name, style] : table)
        if (name == category)
            return style;
    return Plain;
}

CanvasTheme CanvasTheme::light()
{
    CanvasTheme t;
    t.dark = false;
    t.background = QColor("#ffffff");
    t.edge = QColor("#6b7280");
    t.edgeLabel = QColor("#4b5563");
    t.accent = QColor("#ea580c");
    t.groupStack = QColor("#b6c3d6");
    t.frameBorder = QColor("#b8c2cf");
    t.frameLabel = QColor("#4a5563");
    t.frameFill = { QColor("#f3f5f8"), QColor("#e9edf3"), QColor("#dfe5ed"), QColor("#d5dce7") };
    t.minimapBackground = QColor(255, 255, 255, 235);
    t.minimapBorder = QColor("#9aa3ae");
    t.styles[Plain] = { QColor("#eceff3"), QColor("#9aa3ae"), QColor("#1f2933"), QColor("#52606d") };
    t.styles[Layer] = strong("#33598c", "#22406a");
    t.styles[Activation] = strong("#7a2e24", "#57201a");
    t.styles[Pool] = strong("#3b6b3b", "#294d29");
    t.styles[Normalization] = strong("#2f6b55", "#214c3c");
    t.styles[Dropout] = strong("#4c4f85", "#363861");
    t.styles[Shape] = strong("#7b5a4f", "#5a4139");
    t.styles[Tensor] = strong("#59423b", "#3f2f2a");
    t.styles[Data] = strong("#1f6f78", "#154e55");
    t.styles[Quantization] = strong("#8a6a1f", "#644c15");
    t.styles[Control] = strong("#6a2c70", "#4b1f50");
    t.styles[Logic] = strong("#5f5f2b", "#45451f");
    t.styles[Group] = { QColor("#dfe7f2"), QColor("#5f7391"), QColor("#1f2933"), QColor("#52606d") };
    t.styles[Io] = strong("#4b5563", "#323943", "#d1d5db");
    return t;
}

CanvasTheme CanvasTheme::darkTheme()
{
    CanvasTheme t;
    t.dark = true;
    t.background = QColor("#1e1f22");
    t.edge = QColor("#8b93a0");
    t.edgeLabel = QColor("#a8b0bc");
    t.accent = QColor("#ff9f43");
    t.groupStack = QColor("#3c4656");
    t.frameBorder = QColor("#464c55");
    t.frameLabel = QColor("#9aa3ae");
    t.frameFill = { QColor("#25272b"), QColor("#2a2d32"), QColor("#303339"), QColor("#363a41") };
    t.minimapBackground = QColor(30, 31, 34, 235);
    t.minimapBorder = QColor("#5c6470");
    t.styles[Plain] = { QColor("#3a3f47"), QColor("#5c6470"), QColor("#e6e9ee"), QColor("#aab2bd") };
    t.styles[Layer] = strong("#3d6aa8", "#5f88c2");
    t.styles[Activation] = strong("#94392d", "#b5574a");
    t.styles[Pool] = strong("#447a44", "#629962");
    t.styles[Normalization] = strong("#367a61", "#52997e");
    t.styles[Dropout] = strong("#585b99", "#7779b5");
    t.styles[Shape] = strong("#86655a", "#a38277");
    t.styles[Tensor] = strong("#6b5148", "#8a6e64");
    t.styles[Data] = strong("#23808a", "#45a0a9");
    t.styles[Quantization] = strong("#987625", "#b89446");
    t.styles[Control] = strong("#7b3582", "#9a55a1");
    t.styles[Logic] = strong("#6e6e33", "#8e8e52");
    t.styles[Group] = { QColor("#2c3440"), QColor("#7d8ea6"), QColor("#e6e9ee"), QColor("#aab2bd") };
    t.styles[Io] = strong("#596273", "#7a8497", "#cfd5de");
    return t;
}

CanvasTheme CanvasTheme::forPalette(const QPalette& palette)
{
    return palette.color(QPalette::Window).lightness() < 128 ? darkTheme() : light();
}

} // namespace nodus
