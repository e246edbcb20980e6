#include "ocsp/capability.hpp"

#include <algorithm>
#include <utility>

namespace ocsp {

bool node_info::supports(std::string_view capability) const noexcept {
  return std::find(capabilities.begin(), capabilities.end(), capability) != capabilities.end();
}

api_result<bool> node_registry::supported_by_all(std::string_view capability) const {
  BOOST_OUTCOME_TRY(auto nodes, this->nodes());
  return !nodes.empty() &&
         std::all_of(nodes.begin(), nodes.end(), [&](const node_info& n) { return n.supports(capability); });
}

single_node_registry::single_node_registry(std::string node_id)
    : node_{std::move(node_id), {std::string(ocsp_capability)}} {}

api_result<std::vector<node_info>> single_node_registry::nodes() const { return std::vector<node_info>{node_}; }

api_result<bool> single_node_registry::supported_by_all(std::string_view capability) const {
  return node_.supports(capability);
}

static_node_registry::static_node_registry(std::vector<node_info> nodes) : nodes_(std::move(nodes)) {}

api_result<std::vector<node_info>> static_node_registry::nodes() const {
  std::lock_guard lock(mutex_);
  return nodes_;
}

api_result<bool> static_node_registry::supported_by_all(std::string_view capability) const {
  std::lock_guard lock(mutex_);
  return !nodes_.empty() &&
         std::all_of(nodes_.begin(), nodes_.end(), [&](const node_info& n) { return n.supports(capability); });
}

void static_node_registry::set_nodes(std::vector<node_info> nodes) {
  std::lock_guard lock(mutex_);
  nodes_ = std::move(nodes);
}

}  // namespace ocsp
