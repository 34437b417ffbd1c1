// Editing a device stack in the middle: what IoAttachDeviceToDeviceStack (top only) and
// IoDetachDevice (one link) cannot do. Used by VolumeStack to keep filters ordered by
// altitude.
//
// Every function here takes the stack lock and leaves stackSize consistent: each device's
// stackSize is one more than the device below it (1 at the bottom). The caller must make
// sure no IRP is travelling through the part of the stack that changes (VolumeStack
// drains the stack first): an IRP is sized for the stack it entered.
#pragma once

#include "core/device.h"
#include "core/status.h"

namespace irpfs {

// Puts `chainBottom`, and whatever is attached above it, directly above `lower`, which
// must be the top of its stack. Fails with STATUS_INSUFFICIENT_RESOURCES (nothing
// changed) when the joined stack would need more than kMaxStackSize locations, and with
// STATUS_INVALID_PARAMETER when `lower` has a device above it or `chainBottom` one below.
NtStatus IoAttachChainAbove(DeviceObject* chainBottom, DeviceObject* lower);

// Cuts the stack above `device`: the device above it and everything higher become a
// separate chain, whose bottom is returned (nullptr when `device` was the top).
DeviceObject* IoCutStackAbove(DeviceObject* device);

// Takes `device` out of its stack wherever it is: the devices above it now sit on the one
// below it, with their stack sizes reduced.
void IoRemoveDeviceFromStack(DeviceObject* device);

}  // namespace irpfs
