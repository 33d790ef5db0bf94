#pragma once

#include "layoutjob.h"

#include <atomic>
#include <vector>

namespace nodus {

// Graphviz "dot" through cgraph + gvc. Graphviz keeps global state and is
// not thread-safe, so in-process runs are serialised by a lock, and a batch
// of independent jobs runs in parallel in forked worker processes (one per
// core), each with its own copy of Graphviz.
class DotLayout {
public:
    // One job in this process.
    static LayoutResult run(const LayoutJob& job);
    // Many jobs, in parallel when worth it. Stops early (returning what is
    // done, the rest empty) when `cancel` becomes true.
    static std::vector<LayoutResult> runAll(const std::vector<const LayoutJob*>& jobs,
                                            const std::atomic<bool>* cancel = nullptr);
    // Worker processes used by runAll (default: the number of cores).
    static void setWorkers(int workers);
};

} // namespace nodus
