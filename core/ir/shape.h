#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nodus {

// One dimension: a known size, a symbol ("batch", "seq"), or unknown.
struct Dim {
    std::optional<std::int64_t> value;
    std::string symbol;

    static Dim known(std::int64_t v) { return Dim{v, {}}; }
    static Dim symbolic(std::string s) { return Dim{std::nullopt, std::move(s)}; }
    bool isKnown() const { return value.has_value(); }
    std::string toString() const; // "3", "batch" or "?"
    bool operator==(const Dim&) const = default;
};

// A shape whose rank may itself be unknown.
struct Shape {
    std::vector<Dim> dims;
    bool rankKnown = false;

    static Shape of(const std::vector<std::int64_t>& sizes);
    std::size_t rank() const { return dims.size(); }
    bool isFullyKnown() const;
    // Product of the dims when all are known and it does not overflow.
    std::optional<std::uint64_t> elementCount() const;
    std::string toString() const; // "[1,3,224,224]", "[batch,?]" or "?"
    bool operator==(const Shape&) const = default;
};

// Product of sizes with overflow and negative checks.
std::optional<std::uint64_t> elementCount(const std::vector<std::int64_t>& sizes);

} // namespace nodus
