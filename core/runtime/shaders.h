#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace nodus::rt {

// The SPIR-V of an embedded shader ("binary_f32"); throws RuntimeError when
// there is no such shader.
std::span<const std::uint32_t> shaderCode(std::string_view name);
bool hasShader(std::string_view name);
// The workgroup width a shader declares (layout(local_size_x = N)), or 0
// when it takes it from a specialization constant.
std::uint32_t shaderLocalSizeX(std::string_view name);

} // namespace nodus::rt
