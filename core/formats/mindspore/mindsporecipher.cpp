#include "mindsporecipher.h"

#include "util/error.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>

namespace nodus {

namespace {

constexpr std::uint32_t kGcmMagic = 0x7F3A5ED8;
constexpr std::uint32_t kCbcMagic = 0x7F3A5ED9;
constexpr std::uint32_t kSm4Magic = 0x7F3A5EDA;
constexpr std::size_t kTagSize = 16;
constexpr std::size_t kIvSize = 16;
// MindSpore's MAX_BLOCK_SIZE: plaintext per block.
constexpr std::size_t kBlockSize = 64u << 20;

std::uint32_t readU32(std::span<const std::byte> data, std::size_t at)
{
    std::uint32_t v = 0;
    for (int k = 3; k >= 0; --k)
        v = (v << 8) | static_cast<std::uint8_t>(data[at + static_cast<std::size_t>(k)]);
    return v;
}

void appendU32(std::vector<std::byte>& out, std::uint32_t v)
{
    for (int k = 0; k < 4; ++k)
        out.push_back(static_cast<std::byte>((v >> (8 * k)) & 0xff));
}

struct CtxDeleter {
    void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxDeleter>;

const EVP_CIPHER* cipherFor(MindSporeCipher::Mode mode, std::size_t keyLength)
{
    using Mode = MindSporeCipher::Mode;
    switch (mode) {
    case Mode::AesGcm:
        return keyLength == 16 ? EVP_aes_128_gcm()
            : keyLength == 24  ? EVP_aes_192_gcm()
            : keyLength == 32  ? EVP_aes_256_gcm()
                               : nullptr;
    case Mode::AesCbc:
        return keyLength == 16 ? EVP_aes_128_cbc()
            : keyLength == 24  ? EVP_aes_192_cbc()
            : keyLength == 32  ? EVP_aes_256_cbc()
                               : nullptr;
    case Mode::Sm4Cbc:
#ifndef OPENSSL_NO_SM4
        return keyLength == 16 ? EVP_sm4_cbc() : nullptr;
#else
        return nullptr;
#endif
    }
    return nullptr;
}

// One block's parts, as offsets into the encrypted data.
struct Block {
    std::size_t tag = 0; // valid when the layout has tags
    std::size_t iv = 0;
    std::size_t cipher = 0;
    std::size_t cipherLength = 0;
    std::size_t end = 0;
};

// Parses the block starting at `at`; nullopt when the framing does not hold.
std::optional<Block> parseBlock(
    std::span<const std::byte> data, std::size_t at, bool withTag, std::uint32_t magic, bool anyMagic)
{
    const std::size_t size = data.size();
    if (size - at < 4)
        return std::nullopt;
    const std::uint32_t m = readU32(data, at);
    if (anyMagic ? (m != kGcmMagic && m != kCbcMagic && m != kSm4Magic) : m != magic)
        return std::nullopt;
    Block b;
    std::size_t pos = at + 4;
    if (withTag) {
        if (size - pos < kTagSize)
            return std::nullopt;
        b.tag = pos;
        pos += kTagSize;
    }
    if (size - pos < 12)
        return std::nullopt;
    const std::uint32_t blockLength = readU32(data, pos);
    const std::uint32_t ivLength = readU32(data, pos + 4);
    if (ivLength != kIvSize || blockLength < 8 + kIvSize || size - pos - 4 < blockLength)
        return std::nullopt;
    b.iv = pos + 8;
    const std::uint32_t cipherLength = readU32(data, b.iv + kIvSize);
    // MindSpore's blocks hold at most 64 MB (plus padding).
    if (static_cast<std::uint64_t>(cipherLength) + 8 + kIvSize != blockLength || cipherLength > kBlockSize + 64)
        return std::nullopt;
    b.cipher = b.iv + kIvSize + 4;
    b.cipherLength = cipherLength;
    b.end = b.cipher + cipherLength;
    return b;
}

std::vector<Block> parseBlocks(std::span<const std::byte> data, MindSporeCipher::Layout layout)
{
    using Mode = MindSporeCipher::Mode;
    const bool withTag = !layout.legacy && layout.mode == Mode::AesGcm;
    const std::uint32_t magic = layout.legacy || layout.mode == Mode::AesGcm ? kGcmMagic
        : layout.mode == Mode::AesCbc                                        ? kCbcMagic
                                                                             : kSm4Magic;
    std::vector<Block> blocks;
    std::size_t at = 0;
    while (at < data.size()) {
        auto b = parseBlock(data, at, withTag, magic, false);
        if (!b)
            throw Error("the encrypted data is damaged: block " + std::to_string(blocks.size() + 1) + " at byte "
                + std::to_string(at) + " is not framed as MindSpore writes it");
        blocks.push_back(*b);
        at = b->end;
    }
    return blocks;
}

int asInt(std::size_t n)
{
    return static_cast<int>(n); // block sizes are bounded by kBlockSize + padding
}

} // namespace

std::optional<MindSporeCipher::Layout> MindSporeCipher::detect(std::span<const std::byte> data)
{
    if (data.size() < 4)
        return std::nullopt;
    const std::uint32_t magic = readU32(data, 0);
    if (magic == kCbcMagic && parseBlock(data, 0, false, magic, false))
        return Layout { Mode::AesCbc, false };
    if (magic == kSm4Magic && parseBlock(data, 0, false, magic, false))
        return Layout { Mode::Sm4Cbc, false };
    if (magic == kGcmMagic) {
        if (parseBlock(data, 0, true, magic, false))
            return Layout { Mode::AesGcm, false };
        if (parseBlock(data, 0, false, magic, false))
            return Layout { Mode::AesGcm, true };
    }
    return std::nullopt;
}

std::string_view MindSporeCipher::modeName(Mode mode)
{
    switch (mode) {
    case Mode::AesGcm:
        return "AES-GCM";
    case Mode::AesCbc:
        return "AES-CBC";
    case Mode::Sm4Cbc:
        return "SM4-CBC";
    }
    return "?";
}

std::optional<MindSporeCipher::Mode> MindSporeCipher::modeFromName(std::string_view name)
{
    std::string upper(name);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    for (Mode m : { Mode::AesGcm, Mode::AesCbc, Mode::Sm4Cbc })
        if (modeName(m) == upper)
            return m;
    return std::nullopt;
}

std::vector<std::vector<unsigned char>> MindSporeCipher::keyCandidates(const std::string& text)
{
    auto validLength = [](std::size_t n) { return n == 16 || n == 24 || n == 32; };
    std::vector<std::vector<unsigned char>> out;
    std::string hex = text;
    const bool prefixed = hex.size() > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X');
    if (prefixed)
        hex = hex.substr(2);
    const bool isHex = !hex.empty() && hex.size() % 2 == 0
        && std::all_of(hex.begin(), hex.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
    if (isHex && validLength(hex.size() / 2)) {
        std::vector<unsigned char> key;
        for (std::size_t k = 0; k < hex.size(); k += 2)
            key.push_back(static_cast<unsigned char>(std::stoi(hex.substr(k, 2), nullptr, 16)));
        out.push_back(std::move(key));
    }
    if (!prefixed && validLength(text.size()))
        out.emplace_back(text.begin(), text.end());
    if (out.empty())
        throw Error("a key must be 16, 24 or 32 bytes: give it as that many characters or as twice as many hex "
                    "digits (got "
            + std::to_string(text.size()) + " characters)");
    return out;
}

std::vector<std::byte> MindSporeCipher::decrypt(
    std::span<const std::byte> data, std::span<const unsigned char> key, Layout layout)
{
    const EVP_CIPHER* cipher = cipherFor(layout.mode, key.size());
    if (!cipher)
        throw Error("a " + std::string(modeName(layout.mode)) + " key must be "
            + (layout.mode == Mode::Sm4Cbc ? "16 bytes" : "16, 24 or 32 bytes") + ", not "
            + std::to_string(key.size()));
    const auto blocks = parseBlocks(data, layout);
    std::vector<std::byte> plain;
    plain.reserve(data.size());
    const bool gcm = layout.mode == Mode::AesGcm;
    for (std::size_t n = 0; n < blocks.size(); ++n) {
        const Block& b = blocks[n];
        Ctx ctx(EVP_CIPHER_CTX_new());
        if (!ctx)
            throw Error("cannot set up decryption (out of memory)");
        const auto* iv = reinterpret_cast<const unsigned char*>(data.data() + b.iv);
        bool ok = EVP_DecryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) == 1;
        // Legacy writers left GCM at OpenSSL's default 12-byte IV: only the
        // first 12 of the 16 stored bytes count.
        if (ok && gcm && !layout.legacy)
            ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, asInt(kIvSize), nullptr) == 1;
        ok = ok && EVP_DecryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv) == 1;
        if (ok && !gcm)
            ok = EVP_CIPHER_CTX_set_padding(ctx.get(), 1) == 1;
        if (!ok)
            throw Error("cannot set up " + std::string(modeName(layout.mode)) + " decryption");
        const std::size_t start = plain.size();
        plain.resize(start + b.cipherLength + kIvSize);
        int produced = 0;
        if (EVP_DecryptUpdate(ctx.get(), reinterpret_cast<unsigned char*>(plain.data() + start), &produced,
                reinterpret_cast<const unsigned char*>(data.data() + b.cipher), asInt(b.cipherLength))
            != 1)
            throw Error("decryption failed in block " + std::to_string(n + 1));
        std::size_t total = static_cast<std::size_t>(produced);
        // Legacy GCM blocks carry no tag: there is nothing to verify.
        if (!(gcm && layout.legacy)) {
            if (gcm) {
                std::array<unsigned char, kTagSize> tag {};
                std::memcpy(tag.data(), data.data() + b.tag, kTagSize);
                if (EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, asInt(kTagSize), tag.data()) != 1)
                    throw Error("cannot set the GCM tag");
            }
            int tail = 0;
            if (EVP_DecryptFinal_ex(ctx.get(), reinterpret_cast<unsigned char*>(plain.data() + start + total), &tail)
                != 1)
                throw Error("the key does not decrypt block " + std::to_string(n + 1) + " ("
                    + std::string(modeName(layout.mode))
                    + (gcm ? ": the authentication tag does not match" : ": bad padding") + ")");
            total += static_cast<std::size_t>(tail);
        }
        plain.resize(start + total);
    }
    return plain;
}

std::vector<std::byte> MindSporeCipher::encrypt(
    std::span<const std::byte> plain, std::span<const unsigned char> key, Layout layout)
{
    const EVP_CIPHER* cipher = cipherFor(layout.mode, key.size());
    if (!cipher)
        throw Error("the key does not fit " + std::string(modeName(layout.mode)));
    const bool gcm = layout.mode == Mode::AesGcm;
    const std::uint32_t magic = layout.legacy || gcm ? kGcmMagic : layout.mode == Mode::AesCbc ? kCbcMagic : kSm4Magic;
    std::vector<std::byte> out;
    out.reserve(plain.size() + (plain.size() / kBlockSize + 1) * 64);
    std::size_t offset = 0;
    do {
        const std::size_t length = std::min(kBlockSize, plain.size() - offset);
        std::array<unsigned char, kIvSize> iv {};
        if (RAND_bytes(iv.data(), asInt(kIvSize)) != 1)
            throw Error("cannot get random bytes for the IV");
        Ctx ctx(EVP_CIPHER_CTX_new());
        bool ok = ctx && EVP_EncryptInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr) == 1;
        if (ok && gcm && !layout.legacy)
            ok = EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_IVLEN, asInt(kIvSize), nullptr) == 1;
        ok = ok && EVP_EncryptInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data()) == 1;
        if (ok && !gcm)
            ok = EVP_CIPHER_CTX_set_padding(ctx.get(), 1) == 1;
        if (!ok)
            throw Error("cannot set up " + std::string(modeName(layout.mode)) + " encryption");
        std::vector<unsigned char> body(length + kIvSize);
        int produced = 0;
        if (EVP_EncryptUpdate(ctx.get(), body.data(), &produced,
                reinterpret_cast<const unsigned char*>(plain.data() + offset), asInt(length))
            != 1)
            throw Error("encryption failed");
        int tail = 0;
        if (EVP_EncryptFinal_ex(ctx.get(), body.data() + produced, &tail) != 1)
            throw Error("encryption failed");
        body.resize(static_cast<std::size_t>(produced + tail));
        std::array<unsigned char, kTagSize> tag {};
        if (gcm && !layout.legacy
            && EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, asInt(kTagSize), tag.data()) != 1)
            throw Error("cannot get the GCM tag");

        appendU32(out, magic);
        if (gcm && !layout.legacy)
            for (unsigned char c : tag)
                out.push_back(static_cast<std::byte>(c));
        appendU32(out, static_cast<std::uint32_t>(8 + kIvSize + body.size()));
        appendU32(out, static_cast<std::uint32_t>(kIvSize));
        for (unsigned char c : iv)
            out.push_back(static_cast<std::byte>(c));
        appendU32(out, static_cast<std::uint32_t>(body.size()));
        for (unsigned char c : body)
            out.push_back(static_cast<std::byte>(c));
        offset += length;
    } while (offset < plain.size());
    return out;
}

} // namespace nodus
