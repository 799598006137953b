#pragma once

namespace ew {
inline constexpr const char* kVersion = "0.1.0";
}
