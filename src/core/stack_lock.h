// Internal to core: the one lock that guards changes to the shape of every device stack
// (attachedDevice / lowerDevice / stackSize). A leaf lock: nothing else is taken while
// it is held, and no driver code runs under it. IoGetAttachedDevice reads without it
// (device.h).
#pragma once

#include <mutex>

namespace irpfs {

std::mutex& IopStackMutex();

}  // namespace irpfs
