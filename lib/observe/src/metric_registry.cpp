#include "keel/observe/metric_registry.hpp"

#include <algorithm>
#include <cstddef>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "keel/core/check.hpp"
#include "keel/core/utf8.hpp"
#include "text.hpp"

namespace keel::observe {

namespace {

enum class MetricType { kCounter, kGauge, kHistogram };

std::string_view TypeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

bool ValidMetricName(std::string_view name) {
  if (name.empty() || !(IsAlpha(name[0]) || name[0] == ':')) {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return IsAlpha(c) || IsDigit(c) || c == ':'; });
}

bool ValidLabelName(std::string_view name) {
  if (name.empty() || !IsAlpha(name[0]) || name.starts_with("__")) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) { return IsAlpha(c) || IsDigit(c); });
}

bool ValidName(MetricType type, std::string_view name) {
  return ValidMetricName(name) && (type != MetricType::kCounter || name.ends_with("_total"));
}

// The label set as its series key: sorted by name, or nullopt when a name is invalid or repeated.
std::optional<MetricLabels> SeriesKey(MetricType type, const MetricLabels& labels) {
  MetricLabels key = labels;
  std::sort(key.begin(), key.end());
  for (std::size_t i = 0; i < key.size(); ++i) {
    if (!ValidLabelName(key[i].first)) {
      return std::nullopt;
    }
    if (type == MetricType::kHistogram && key[i].first == "le") {
      return std::nullopt;
    }
    if (i > 0 && key[i].first == key[i - 1].first) {
      return std::nullopt;
    }
  }
  return key;
}

void AppendEscapedHelp(std::string& out, std::string_view help) {
  std::string scratch;
  for (char c : ValidUtf8(help, scratch)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendEscapedLabelValue(std::string& out, std::string_view value) {
  std::string scratch;
  for (char c : ValidUtf8(value, scratch)) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

// `name{a="x",b="y",le="0.5"} ` — `le` (when given) last, as Prometheus itself writes it.
void AppendSeries(std::string& out, std::string_view name, const MetricLabels& labels,
                  std::string_view le = {}) {
  out += name;
  if (!labels.empty() || !le.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [key, value] : labels) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += key;
      out += "=\"";
      AppendEscapedLabelValue(out, value);
      out += '"';
    }
    if (!le.empty()) {
      if (!first) {
        out += ',';
      }
      out += "le=\"";
      out += le;
      out += '"';
    }
    out += '}';
  }
  out += ' ';
}

template <typename T>
using SeriesMap = std::map<MetricLabels, std::unique_ptr<T>>;

struct Family {
  MetricType type;
  std::string help;
  // Only the map of `type` is used; unique_ptr keeps handed-out references stable.
  SeriesMap<Counter> counters;
  SeriesMap<Gauge> gauges;
  SeriesMap<Histogram> histograms;
};

}  // namespace

// --- rendering -----------------------------------------------------------------------------

struct MetricWriter::Page {
  struct PageFamily {
    MetricType type;
    std::string help;
    std::string samples;
  };
  std::map<std::string, PageFamily, std::less<>> families;

  // The family to append samples to, or nullptr when `name` is taken by another type.
  PageFamily* Find(MetricType type, std::string_view name, std::string_view help) {
    auto it = families.find(name);
    if (it == families.end()) {
      it = families.emplace(std::string(name), PageFamily{type, std::string(help), {}}).first;
    }
    return it->second.type == type ? &it->second : nullptr;
  }

  // Called for collector samples: a collector bug costs its sample, never the whole scrape.
  void AddSample(MetricType type, std::string_view name, std::string_view help, double value,
                 const MetricLabels& labels) {
    const auto key = SeriesKey(type, labels);
    const bool valid = ValidName(type, name) && key.has_value();
    KEEL_ASSERT(valid);
    if (!valid) {
      return;
    }
    PageFamily* family = Find(type, name, help);
    KEEL_ASSERT(family != nullptr);
    if (family == nullptr) {
      return;
    }
    AppendSeries(family->samples, name, *key);
    detail::AppendDouble(family->samples, value);
    family->samples += '\n';
  }
};

void MetricWriter::WriteGauge(std::string_view name, std::string_view help, double value,
                              const MetricLabels& labels) {
  page_->AddSample(MetricType::kGauge, name, help, value, labels);
}

void MetricWriter::WriteCounter(std::string_view name, std::string_view help, double value,
                                const MetricLabels& labels) {
  page_->AddSample(MetricType::kCounter, name, help, value, labels);
}

namespace {

void RenderHistogram(std::string& out, const std::string& name, const MetricLabels& labels,
                     const Histogram& histogram, const std::vector<std::string>& le_texts) {
  const Histogram::Snapshot snap = histogram.Read();
  const std::string bucket_name = name + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t i = 0; i + 1 < Histogram::kBuckets; ++i) {
    cumulative += snap.buckets[i];
    AppendSeries(out, bucket_name, labels, le_texts[i]);
    detail::AppendUint(out, cumulative);
    out += '\n';
  }
  AppendSeries(out, bucket_name, labels, "+Inf");
  detail::AppendUint(out, snap.count);
  out += '\n';
  AppendSeries(out, name + "_sum", labels);
  detail::AppendNanosAsSeconds(out, snap.sum_nanos);
  out += '\n';
  AppendSeries(out, name + "_count", labels);
  detail::AppendUint(out, snap.count);
  out += '\n';
}

}  // namespace

// --- MetricRegistry ------------------------------------------------------------------------

struct MetricRegistry::State {
  mutable std::mutex mu;
  std::map<std::string, Family, std::less<>> families;
  std::vector<Collector> collectors;

  template <typename T>
  T& Get(MetricType type, SeriesMap<T> Family::*series, std::string_view name,
         std::string_view help, const MetricLabels& labels) {
    KEEL_CHECK(ValidName(type, name));
    auto key = SeriesKey(type, labels);
    KEEL_CHECK(key.has_value());
    std::lock_guard lock(mu);
    auto it = families.find(name);
    if (it == families.end()) {
      it = families.emplace(std::string(name), Family{type, std::string(help), {}, {}, {}}).first;
    }
    Family& family = it->second;
    KEEL_CHECK(family.type == type);  // one metric name, one type
    auto& slot = (family.*series)[std::move(*key)];
    if (!slot) {
      slot = std::make_unique<T>();
    }
    return *slot;
  }
};

MetricRegistry::MetricRegistry() : state_(std::make_unique<State>()) {}
MetricRegistry::~MetricRegistry() = default;

Counter& MetricRegistry::GetCounter(std::string_view name, std::string_view help,
                                    const MetricLabels& labels) {
  return state_->Get(MetricType::kCounter, &Family::counters, name, help, labels);
}

Gauge& MetricRegistry::GetGauge(std::string_view name, std::string_view help,
                                const MetricLabels& labels) {
  return state_->Get(MetricType::kGauge, &Family::gauges, name, help, labels);
}

Histogram& MetricRegistry::GetHistogram(std::string_view name, std::string_view help,
                                        const MetricLabels& labels) {
  return state_->Get(MetricType::kHistogram, &Family::histograms, name, help, labels);
}

void MetricRegistry::AddCollector(Collector collector) {
  std::lock_guard lock(state_->mu);
  state_->collectors.push_back(std::move(collector));
}

std::string MetricRegistry::RenderPrometheus() const {
  std::vector<std::string> le_texts(Histogram::kBuckets - 1);
  for (std::size_t i = 0; i < le_texts.size(); ++i) {
    detail::AppendNanosAsSeconds(le_texts[i], Histogram::UpperBoundNanos(i));
  }

  MetricWriter::Page page;
  std::vector<Collector> collectors;
  {
    std::lock_guard lock(state_->mu);
    for (const auto& [name, family] : state_->families) {
      auto& out =
          page.families.emplace(name, MetricWriter::Page::PageFamily{family.type, family.help, {}})
              .first->second.samples;
      for (const auto& [labels, counter] : family.counters) {
        AppendSeries(out, name, labels);
        detail::AppendUint(out, counter->Value());
        out += '\n';
      }
      for (const auto& [labels, gauge] : family.gauges) {
        AppendSeries(out, name, labels);
        detail::AppendDouble(out, gauge->Value());
        out += '\n';
      }
      for (const auto& [labels, histogram] : family.histograms) {
        RenderHistogram(out, name, labels, *histogram, le_texts);
      }
    }
    collectors = state_->collectors;
  }
  // Outside the lock: a collector may register metrics (and would deadlock otherwise).
  MetricWriter writer(page);
  for (const auto& collect : collectors) {
    collect(writer);
  }

  std::string text;
  for (const auto& [name, family] : page.families) {
    if (family.samples.empty()) {
      continue;
    }
    text += "# HELP ";
    text += name;
    text += ' ';
    AppendEscapedHelp(text, family.help);
    text += "\n# TYPE ";
    text += name;
    text += ' ';
    text += TypeName(family.type);
    text += '\n';
    text += family.samples;
  }
  return text;
}

}  // namespace keel::observe
