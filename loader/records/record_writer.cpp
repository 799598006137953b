#include "records/record_writer.h"

#include <net/if.h>

namespace ew {

InterfaceNames::InterfaceNames(const std::vector<Interface>& ifaces) {
  for (const auto& iface : ifaces)
    names_[static_cast<uint32_t>(iface.ifindex)] = iface.name;
}

std::string_view InterfaceNames::operator()(uint32_t ifindex) {
  auto it = names_.find(ifindex);
  if (it != names_.end()) return it->second;
  char name[IF_NAMESIZE] = {};
  std::string resolved = if_indextoname(ifindex, name) ? name : std::to_string(ifindex);
  return names_.emplace(ifindex, resolved).first->second;
}

void RecordWriter::on_record(const ew_record& record) {
  if (record.kind == EW_RECORD_FLOW_CLOSED) {
    // Not a record of its own: it ends one a moment from now.
    if (tracker_) tracker_->on_record(record);
    return;
  }
  records_++;
  if (record.kind == EW_RECORD_FLOW_NEW && tracker_) {
    tracker_->on_record(record);
  } else {
    formatter_.packet(record, names_(record.ifindex), clock_.to_wall_ns(record.ts_ns));
  }
  flush_if_full();
}

void RecordWriter::flush_if_full() {
  // The result is the session's to act on at its own flush, after the batch.
  if (sink_.buffer().size() >= kFlushThreshold) (void)sink_.flush();
}

}  // namespace ew
