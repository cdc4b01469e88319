// A MetricSink for tests: counters, gauges and histograms are created on first use and can be
// read back by metric name and one label value.
//
//   keel::testing::TestSink sink;
//   SomethingUnderTest thing(&sink);
//   EXPECT_EQ(sink.Count("keel_jobs_enqueued_total", "default"), 1u);
#pragma once

#include <cstdint>
#include <keel/core/metrics.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>

namespace keel::testing {

// A MetricSink whose counters tests can read by name and one label value.
class TestSink final : public MetricSink {
 public:
  Counter& GetCounter(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(counters_, name, l);
  }
  Gauge& GetGauge(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(gauges_, name, l);
  }
  Histogram& GetHistogram(std::string_view name, std::string_view, const MetricLabels& l) override {
    return Get(histograms_, name, l);
  }
  std::uint64_t Count(std::string_view name, std::string_view label_value = "") {
    MetricLabels labels;
    if (!label_value.empty()) {
      labels.emplace_back("", std::string(label_value));
    }
    return Get(counters_, name, labels).Value();
  }

 private:
  // Label names are left out: tests ask by name and value.
  static std::string Key(std::string_view name, const MetricLabels& labels) {
    std::string key(name);
    for (const auto& label : labels) {
      key += "|" + label.second;
    }
    return key;
  }
  template <typename M>
  M& Get(std::map<std::string, std::unique_ptr<M>>& map, std::string_view name,
         const MetricLabels& labels) {
    auto& slot = map[Key(name, labels)];
    if (!slot) {
      slot = std::make_unique<M>();
    }
    return *slot;
  }
  std::map<std::string, std::unique_ptr<Counter>> counters_;
  std::map<std::string, std::unique_ptr<Gauge>> gauges_;
  std::map<std::string, std::unique_ptr<Histogram>> histograms_;
};

}  // namespace keel::testing
