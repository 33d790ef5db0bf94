#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nodus {

// MindSpore's file encryption (mindspore.export/save_checkpoint with
// enc_key): the plaintext is cut into blocks of at most 64 MB, each written
// as
//     magic (u32 LE) [GCM tag, 16 bytes] block length (u32 LE)
//     IV length (u32 LE, 16) IV  ciphertext length (u32 LE) ciphertext
// where the magic names the mode (0x7F3A5ED8 AES-GCM, 0x7F3A5ED9 AES-CBC,
// 0x7F3A5EDA SM4-CBC). Releases up to 1.x ("legacy") wrote 0x7F3A5ED8 for
// every mode and no GCM tag, so their GCM blocks cannot be authenticated and
// a wrong key shows only as garbage plaintext.
class MindSporeCipher {
public:
    enum class Mode { AesGcm, AesCbc, Sm4Cbc };

    struct Layout {
        Mode mode = Mode::AesGcm;
        bool legacy = false; // no tag; the magic does not tell GCM from CBC
    };

    // The layout when `data` starts with a well-formed first block.
    static std::optional<Layout> detect(std::span<const std::byte> data);

    static std::string_view modeName(Mode mode); // "AES-GCM", ...
    static std::optional<Mode> modeFromName(std::string_view name);

    // The byte strings a user's key text may stand for, most likely first:
    // hex digits ("30313233..." or "0x..."), then the text's own bytes
    // ("0123456789ABCDEF"). AES takes 16, 24 or 32 bytes; SM4 16. Throws
    // Error when the text can be no key at all.
    static std::vector<std::vector<unsigned char>> keyCandidates(const std::string& text);

    // Throws Error (without a file name: callers add it) when the framing is
    // broken or the key does not authenticate/unpad.
    static std::vector<std::byte> decrypt(
        std::span<const std::byte> data, std::span<const unsigned char> key, Layout layout);
    // Encrypts in the given layout with fresh random IVs.
    static std::vector<std::byte> encrypt(
        std::span<const std::byte> plain, std::span<const unsigned char> key, Layout layout);
};

} // namespace nodus
