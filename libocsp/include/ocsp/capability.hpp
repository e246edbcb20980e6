// The capability model: which nodes make up the cluster and which features each supports.
//
// The OCSP API works only when every node supports the `ocsp` capability (in a mixed-version
// cluster during an upgrade some do not, and then all four requests answer 406). A `node_registry`
// reports the nodes; the single-node default supports ocsp. A clustered deployment implements the
// interface over its shared store (Redis, etcd, ...): `nodes()` may fail, and the service then
// answers 500 rather than guessing. Implementations must be safe to call from several threads, and
// quick: every request asks, GETs included, and adapters answer GETs on their I/O threads (serve a
// registry kept in memory and refreshed in the background, not one read per call).
#pragma once

#include "ocsp/error.hpp"

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace ocsp {

/// The name of the OCSP capability.
inline constexpr std::string_view ocsp_capability = "ocsp";

struct node_info {
  std::string id;
  std::vector<std::string> capabilities;

  bool supports(std::string_view capability) const noexcept;
};

class node_registry {
 public:
  virtual ~node_registry() = default;
  /// The cluster's nodes now. errc::node_registry_unavailable when they cannot be read.
  virtual api_result<std::vector<node_info>> nodes() const = 0;

  /// Whether every node supports `capability` (false for an empty cluster). The default walks
  /// `nodes()`; a registry may answer it more cheaply (it runs on every API request).
  virtual api_result<bool> supported_by_all(std::string_view capability) const;
};

/// One node, this process, supporting ocsp: the embedded default.
class single_node_registry final : public node_registry {
 public:
  explicit single_node_registry(std::string node_id = "node:1");
  api_result<std::vector<node_info>> nodes() const override;
  api_result<bool> supported_by_all(std::string_view capability) const override;

 private:
  node_info node_;
};

/// A fixed list of nodes, replaceable at run time (tests, static cluster files).
class static_node_registry final : public node_registry {
 public:
  explicit static_node_registry(std::vector<node_info> nodes);
  api_result<std::vector<node_info>> nodes() const override;
  api_result<bool> supported_by_all(std::string_view capability) const override;
  void set_nodes(std::vector<node_info> nodes);

 private:
  mutable std::mutex mutex_;
  std::vector<node_info> nodes_;
};

}  // namespace ocsp
