#include "shape.h"

#include <limits>

namespace nodus {

std::string Dim::toString() const
{
    if (value)
        return std::to_string(*value);
    return symbol.empty() ? std::string("?") : symbol;
}

Shape Shape::of(const std::vector<std::int64_t>& sizes)
{
    Shape s;
    s.rankKnown = true;
    s.dims.reserve(sizes.size());
    for (auto v : sizes)
        s.dims.push_back(Dim::known(v));
    return s;
}

bool Shape::isFullyKnown() const
{
    if (!rankKnown)
        return false;
    for (const auto& d : dims)
        if (!d.isKnown())
            return false;
    return true;
}

std::optional<std::uint64_t> Shape::elementCount() const
{
    if (!isFullyKnown())
        return std::nullopt;
    std::vector<std::int64_t> sizes;
    sizes.reserve(dims.size());
    for (const auto& d : dims)
        sizes.push_back(*d.value);
    return nodus::elementCount(sizes);
}

std::string Shape::toString() const
{
    if (!rankKnown)
        return "?";
    std::string out = "[";
    for (std::size_t i = 0; i < dims.size(); ++i) {
        if (i)
            out += ',';
        out += dims[i].toString();
    }
    return out + "]";
}

std::optional<std::uint64_t> elementCount(const std::vector<std::int64_t>& sizes)
{
    std::uint64_t n = 1;
    for (auto v : sizes) {
        if (v < 0)
            return std::nullopt;
        const auto u = static_cast<std::uint64_t>(v);
        if (u != 0 && n > std::numeric_limits<std::uint64_t>::max() / u)
            return std::nullopt;
        n *= u;
    }
    return n;
}

} // namespace nodus
