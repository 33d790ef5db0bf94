#include "layoutjob.h"

#include <cstring>

namespace nodus {

namespace {

std::uint64_t mix(std::uint64_t h, std::uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h;
}

std::uint64_t bits(double d)
{
    std::uint64_t u;
    std::memcpy(&u, &d, sizeof u);
    return u;
}

template <typename T>
void put(std::string& out, T v)
{
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

template <typename T>
bool get(const std::string& in, std::size_t& pos, T& v)
{
    if (in.size() - pos < sizeof v || pos > in.size())
        return false;
    std::memcpy(&v, in.data() + pos, sizeof v);
    pos += sizeof v;
    return true;
}

} // namespace

std::uint64_t LayoutJob::hash() const
{
    std::uint64_t h = mix(0x6e6f647573ull, static_cast<std::uint64_t>(direction));
    h = mix(h, boxes.size());
    for (const auto& b : boxes)
        h = mix(mix(h, bits(b.width)), bits(b.height));
    h = mix(h, links.size());
    for (const auto& l : links)
        h = mix(mix(h, static_cast<std::uint64_t>(l.from)), static_cast<std::uint64_t>(l.to));
    return h;
}

std::string LayoutResult::serialize() const
{
    std::string out;
    put(out, width);
    put(out, height);
    put(out, static_cast<std::uint32_t>(centers.size()));
    for (const auto& p : centers) {
        put(out, p.x);
        put(out, p.y);
    }
    put(out, static_cast<std::uint32_t>(paths.size()));
    for (const auto& path : paths) {
        put(out, static_cast<std::uint32_t>(path.size()));
        for (const auto& p : path) {
            put(out, p.x);
            put(out, p.y);
        }
    }
    return out;
}

bool LayoutResult::deserialize(const std::string& in, std::size_t& pos)
{
    std::uint32_t n = 0;
    if (!get(in, pos, width) || !get(in, pos, height) || !get(in, pos, n))
        return false;
    if (n > (in.size() - pos) / 16)
        return false;
    centers.resize(n);
    for (auto& p : centers)
        if (!get(in, pos, p.x) || !get(in, pos, p.y))
            return false;
    if (!get(in, pos, n) || n > (in.size() - pos) / 4)
        return false;
    paths.resize(n);
    for (auto& path : paths) {
        std::uint32_t m = 0;
        if (!get(in, pos, m) || m > (in.size() - pos) / 16)
            return false;
        path.resize(m);
        for (auto& p : path)
            if (!get(in, pos, p.x) || !get(in, pos, p.y))
                return false;
    }
    return true;
}

} // namespace nodus
