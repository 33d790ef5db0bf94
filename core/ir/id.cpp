#include "id.h"

#include <atomic>

namespace nodus {

Id newId()
{
    static std::atomic<Id> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
}

} // namespace nodus
