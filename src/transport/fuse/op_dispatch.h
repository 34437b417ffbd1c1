// The handler table: which FuseDispatcher method each decoded opcode goes to.
#pragma once

#include <cstdint>

#include "transport/fuse/decoder.h"
#include "transport/fuse/dispatcher.h"

namespace irpfs::fuse {

// True when the opcode has a dispatcher method (false for INIT, INTERRUPT, NOTIFY_REPLY,
// which the channel handles itself, and for unknown opcodes).
bool HasHandler(uint32_t opcode);

// The largest payload the reply to `request` may carry (READ/READDIR size, GETXATTR
// size), 0 when not checked.
uint32_t ReplyLimit(const DecodedRequest& request);

// Calls the dispatcher method of a decoded request that expects a reply.
void DispatchRequest(FuseDispatcher& dispatcher, const DecodedRequest& request, Reply reply);

// FORGET and BATCH_FORGET (no reply).
void DispatchForget(FuseDispatcher& dispatcher, const DecodedRequest& request);

}  // namespace irpfs::fuse
