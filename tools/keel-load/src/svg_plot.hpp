// svg_plot.hpp — a line chart as inline SVG, for the self-contained HTML report.
//
// No JavaScript and no external resources: the report opens from a mail attachment or a CI
// artifact exactly as it was written.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace keel::load {

struct PlotSeries {
  std::string name;
  std::string color;                              // CSS color
  std::vector<std::pair<double, double>> points;  // (x, y), x ascending; gaps allowed
};

// A chart `width` × `height` px with x and y axes from 0 to a rounded maximum, five ticks each,
// and a legend. Points are joined in order; an empty plot says "no data".
[[nodiscard]] std::string SvgLinePlot(std::string_view title, std::string_view x_label,
                                      std::string_view y_label,
                                      const std::vector<PlotSeries>& series, int width = 960,
                                      int height = 280);

// Escapes &, <, >, " for HTML text and attributes.
[[nodiscard]] std::string HtmlEscape(std::string_view text);

}  // namespace keel::load
