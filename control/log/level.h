// The log's levels and formats with their names in the cluster file (`log: { level, format }`).
// Pure, header-only, no allocation: the config schema and the logger share it.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace dpf::log {

// syslog's order: a level shows every line at it or more severe.
enum class Level : uint8_t { kError, kWarning, kNotice, kInfo, kDebug };
inline constexpr std::array<std::string_view, 5> kLevelNames = {"error", "warning", "notice",
                                                                "info", "debug"};

enum class Format : uint8_t { kText, kJson };
inline constexpr std::array<std::string_view, 2> kFormatNames = {"text", "json"};

constexpr std::string_view level_name(Level l) {
  return kLevelNames[static_cast<size_t>(l)];
}
constexpr std::string_view format_name(Format f) {
  return kFormatNames[static_cast<size_t>(f)];
}

constexpr std::optional<Level> level_by_name(std::string_view name) {
  for (size_t i = 0; i < kLevelNames.size(); ++i)
    if (kLevelNames[i] == name) return static_cast<Level>(i);
  return std::nullopt;
}

constexpr std::optional<Format> format_by_name(std::string_view name) {
  for (size_t i = 0; i < kFormatNames.size(); ++i)
    if (kFormatNames[i] == name) return static_cast<Format>(i);
  return std::nullopt;
}

}  // namespace dpf::log
