#include "svg_plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace keel::load {

namespace {

constexpr double kLeft = 70;
constexpr double kRight = 20;
constexpr double kTop = 36;
constexpr double kBottom = 44;
constexpr int kTicks = 5;

// The smallest 1, 2 or 5 × 10^k at or above v, so the ticks are round numbers.
double NiceCeil(double v) {
  if (v <= 0) {
    return 1;
  }
  const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
  for (double step : {1.0, 2.0, 5.0, 10.0}) {
    if (step * magnitude >= v) {
      return step * magnitude;
    }
  }
  return 10 * magnitude;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.4g", v);
  return buf;
}

std::string Axes(double w, double h, double x_max, double y_max, std::string_view x_label,
                 std::string_view y_label) {
  std::string out;
  const double pw = w - kLeft - kRight;
  const double ph = h - kTop - kBottom;
  for (int i = 0; i <= kTicks; ++i) {
    const double y = kTop + ph - ph * i / kTicks;
    const double x = kLeft + pw * i / kTicks;
    out += "<line x1='" + Number(kLeft) + "' y1='" + Number(y) + "' x2='" + Number(kLeft + pw) +
           "' y2='" + Number(y) + "' stroke='#ddd'/>";
    out += "<text x='" + Number(kLeft - 6) + "' y='" + Number(y + 4) + "' text-anchor='end'>" +
           Number(y_max * i / kTicks) + "</text>";
    out += "<text x='" + Number(x) + "' y='" + Number(kTop + ph + 16) + "' text-anchor='middle'>" +
           Number(x_max * i / kTicks) + "</text>";
  }
  out += "<rect x='" + Number(kLeft) + "' y='" + Number(kTop) + "' width='" + Number(pw) +
         "' height='" + Number(ph) + "' fill='none' stroke='#888'/>";
  out += "<text x='" + Number(kLeft + pw / 2) + "' y='" + Number(h - 8) +
         "' text-anchor='middle'>" + HtmlEscape(x_label) + "</text>";
  out += "<text x='14' y='" + Number(kTop + ph / 2) +
         "' text-anchor='middle' transform='rotate(-90 14 " + Number(kTop + ph / 2) + ")'>" +
         HtmlEscape(y_label) + "</text>";
  return out;
}

}  // namespace

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string SvgLinePlot(std::string_view title, std::string_view x_label, std::string_view y_label,
                        const std::vector<PlotSeries>& series, int width, int height) {
  double x_max = 0;
  double y_max = 0;
  for (const auto& s : series) {
    for (const auto& [x, y] : s.points) {
      x_max = std::max(x_max, x);
      y_max = std::max(y_max, y);
    }
  }
  x_max = NiceCeil(x_max);
  y_max = NiceCeil(y_max);
  const double w = width;
  const double h = height;
  const double pw = w - kLeft - kRight;
  const double ph = h - kTop - kBottom;
  std::string out = "<svg width='" + Number(w) + "' height='" + Number(h) + "' viewBox='0 0 " +
                    Number(w) + " " + Number(h) + "' font-family='sans-serif' font-size='11'>";
  out += "<text x='" + Number(kLeft) + "' y='20' font-size='14' font-weight='bold'>" +
         HtmlEscape(title) + "</text>";
  out += Axes(w, h, x_max, y_max, x_label, y_label);
  double legend_x = kLeft + pw;
  for (auto it = series.rbegin(); it != series.rend(); ++it) {  // legend, right-aligned
    legend_x -= 14 + 7.0 * static_cast<double>(it->name.size()) + 16;
    out += "<rect x='" + Number(legend_x) + "' y='12' width='12' height='4' fill='" +
           HtmlEscape(it->color) + "'/><text x='" + Number(legend_x + 16) + "' y='18'>" +
           HtmlEscape(it->name) + "</text>";
  }
  for (const auto& s : series) {
    if (s.points.empty()) {
      continue;
    }
    out += "<polyline fill='none' stroke-width='1.5' stroke='" + HtmlEscape(s.color) + "' points='";
    for (const auto& [x, y] : s.points) {
      out += Number(kLeft + pw * x / x_max) + "," + Number(kTop + ph - ph * y / y_max) + " ";
    }
    out += "'/>";
  }
  if (x_max <= 1 && y_max <= 1 && series.empty()) {
    out += "<text x='" + Number(w / 2) + "' y='" + Number(h / 2) + "'>no data</text>";
  }
  out += "</svg>";
  return out;
}

}  // namespace keel::load
