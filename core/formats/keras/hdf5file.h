#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

namespace nodus {

// A bounds-checked reader for the subset of HDF5 that h5py writes for Keras
// files, written here instead of linking libhdf5 because libhdf5 crashes on
// malformed files and Nodus must refuse them with a message instead.
//
// Supported: superblock versions 0..3, object headers v1 and v2 (with
// continuation blocks), groups as symbol tables (v1 B-tree + local heap) or
// compact link messages, attributes (v1..v3) holding fixed-length strings,
// variable-length strings (global heap) and numbers, datasets with compact or
// contiguous layout. Dense link/attribute storage (fractal heaps), chunked
// layouts and committed (shared) datatypes are refused with the reason.
//
// Every error throws nodus::Error starting with the name given.
class Hdf5File {
public:
    struct Type {
        enum Class { Integer, Float, String, VarString, Other } cls = Other;
        std::uint32_t size = 0; // bytes per element (VarString: the reference's size)
        bool isSigned = false;
        bool bigEndian = false;
        std::string description; // for messages: "float32", "compound", ...
    };

    struct Attribute {
        std::string name;
        Type type;
        std::vector<std::uint64_t> dims; // empty: scalar
        // Decoded values: strings for string types, numbers otherwise.
        std::vector<std::string> strings;
        std::vector<double> numbers;
    };

    struct Dataset {
        Type type;
        std::vector<std::uint64_t> dims;
        // Where the elements lie in the bytes handed to the constructor
        // (compact data sits inside the object header, which is fine too).
        std::uint64_t offset = 0;
        std::uint64_t size = 0;
        bool allocated = true; // false: no storage written (all fill value)
        std::string unsupported; // non-empty: why its elements cannot be read
    };

    struct Object {
        std::uint64_t address = 0;
        bool isGroup = false;
        std::vector<Attribute> attributes;
        std::vector<std::pair<std::string, std::uint64_t>> links; // children, in file order
        std::optional<Dataset> dataset;

        const Attribute* attribute(std::string_view name) const;
    };

    Hdf5File(std::span<const std::byte> bytes, std::string nameForErrors);

    // The superblock signature at 0, 512, 1024, 2048, ... (a user block may
    // come first); -1 when there is none within the bytes.
    static std::int64_t signatureOffset(std::span<const std::byte> bytes);

    const Object& root() const { return root_; }
    Object object(std::uint64_t address, int depth = 0) const;
    // A child of `parent` by a '/'-separated path; nullopt when absent.
    std::optional<Object> find(const Object& parent, std::string_view path) const;

private:
    struct Reader;
    struct Message {
        std::uint16_t type = 0;
        std::uint8_t flags = 0;
        std::uint64_t offset = 0; // absolute
        std::uint64_t size = 0;
    };

    [[noreturn]] void fail(const std::string& what) const;
    std::uint64_t absolute(std::uint64_t address, const char* what) const;
    bool undefined(std::uint64_t address) const;
    std::vector<Message> headerMessages(std::uint64_t address) const;
    void v1Messages(std::uint64_t start, std::uint64_t length, int count, std::vector<Message>& out,
        std::vector<std::pair<std::uint64_t, std::uint64_t>>& continuations) const;
    void v2Messages(std::uint64_t start, std::uint64_t length, bool creationOrder, std::vector<Message>& out,
        std::vector<std::pair<std::uint64_t, std::uint64_t>>& continuations) const;
    Type parseType(std::uint64_t offset, std::uint64_t size, std::uint64_t* used = nullptr) const;
    std::vector<std::uint64_t> parseSpace(std::uint64_t offset, std::uint64_t size, bool* isNull = nullptr) const;
    Attribute parseAttribute(const Message& m) const;
    Dataset parseLayout(const Message& m, const Type& type, const std::vector<std::uint64_t>& dims) const;
    void symbolTableLinks(std::uint64_t btree, std::uint64_t heap, Object& out) const;
    void btreeNode(std::uint64_t address, std::uint64_t heapData, std::uint64_t heapSize, int depth, Object& out,
        std::set<std::uint64_t>& visited) const;
    void linkMessage(const Message& m, Object& out) const;
    std::string globalHeapObject(std::uint64_t collection, std::uint32_t index, std::uint64_t length) const;

    std::span<const std::byte> bytes_;
    std::string name_;
    std::uint64_t base_ = 0;
    int offsetSize_ = 8;
    int lengthSize_ = 8;
    Object root_;
};

} // namespace nodus
