#include "control/rest/translations.h"

#include <cstdint>
#include <string>
#include <utility>

#include "control/pfconf/print.h"

namespace dpf::rest {

nlohmann::json translations_json(const pfconf::Ruleset& ruleset) {
  using pfconf::TranslationKind;
  static constexpr std::pair<TranslationKind, const char*> kKinds[] = {
      {TranslationKind::kNat, "nat"},
      {TranslationKind::kRdr, "rdr"},
      {TranslationKind::kBinat, "binat"}};
  pfconf::PrintOptions po;
  po.definitions = false;
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [kind, name] : kKinds) {
    uint32_t nr = 0;
    for (const pfconf::Rule& r : ruleset.translations) {
      if (r.translation != kind) continue;
      out.push_back({{"kind", name}, {"nr", nr++}, {"text", pfconf::print_rule(r, po)}});
    }
  }
  return out;
}

}  // namespace dpf::rest
