#include "policy/policy_script.h"

#include <duktape.h>

#include <cstdlib>
#include <cstring>

#include "base/logging.h"

namespace scitt::policy {
namespace {

using Clock = std::chrono::steady_clock;

// Byte accounting for one heap. Duktape calls the allocator with this as
// udata; every block carries its size in a header so frees can be counted.
struct Budget {
  size_t used = 0;
  Clock::time_point deadline = Clock::time_point::max();
  bool memory_exhausted = false;
  bool time_exhausted = false;

  void StartRun() {
    deadline = Clock::now() + PolicyScript::kTimeLimit;
    memory_exhausted = time_exhausted = false;
  }
  // Lets cleanup after a run (error text, garbage collection) allocate.
  void EndRun() { deadline = Clock::time_point::max(); }

  // Growing a block from `old_size` to `new_size` bytes.
  bool Allow(size_t old_size, size_t new_size) {
    if (new_size > PolicyScript::kMemoryLimitBytes ||
        used - old_size + new_size > PolicyScript::kMemoryLimitBytes) {
      memory_exhausted = true;
      return false;
    }
    if (Clock::now() > deadline) {
      time_exhausted = true;
      return false;
    }
    return true;
  }
};

constexpr size_t kHeaderBytes = alignof(std::max_align_t);

size_t BlockSize(void* ptr) {
  size_t size;
  std::memcpy(&size, static_cast<unsigned char*>(ptr) - kHeaderBytes, sizeof size);
  return size;
}

void* BudgetAlloc(void* udata, duk_size_t size) {
  auto* budget = static_cast<Budget*>(udata);
  if (!budget->Allow(0, size)) return nullptr;
  auto* block = static_cast<unsigned char*>(std::malloc(size + kHeaderBytes));
  if (block == nullptr) return nullptr;
  std::memcpy(block, &size, sizeof size);
  budget->used += size;
  return block + kHeaderBytes;
}

void BudgetFree(void* udata, void* ptr) {
  if (ptr == nullptr) return;
  static_cast<Budget*>(udata)->used -= BlockSize(ptr);
  std::free(static_cast<unsigned char*>(ptr) - kHeaderBytes);
}

void* BudgetRealloc(void* udata, void* ptr, duk_size_t size) {
  if (ptr == nullptr) return BudgetAlloc(udata, size);
  if (size == 0) {
    BudgetFree(udata, ptr);
    return nullptr;
  }
  auto* budget = static_cast<Budget*>(udata);
  size_t old_size = BlockSize(ptr);
  if (size > old_size && !budget->Allow(old_size, size)) return nullptr;
  auto* block = static_cast<unsigned char*>(
      std::realloc(static_cast<unsigned char*>(ptr) - kHeaderBytes, size + kHeaderBytes));
  if (block == nullptr) return nullptr;
  std::memcpy(block, &size, sizeof size);
  budget->used = budget->used - old_size + size;
  return block + kHeaderBytes;
}

// Reached only for an error outside every protected call, which this file
// never makes; Duktape requires that the handler does not return.
void FatalHandler(void*, const char* message) {
  logging::Error("duktape fatal error", {{"message", message != nullptr ? message : ""}});
  std::abort();
}

// The callbacks below run under duk_safe_call, which unwinds with longjmp:
// they must hold no C++ object with a destructor.

struct CompileJob {
  const char* source;
  size_t size;
};

duk_ret_t CompileProgram(duk_context* ctx, void* udata) {
  const auto* job = static_cast<const CompileJob*>(udata);
  duk_push_lstring(ctx, job->source, job->size);
  duk_push_string(ctx, "policy script");
  duk_compile(ctx, 0);
  duk_dump_function(ctx);
  return 1;
}

duk_ret_t PushFreshThread(duk_context* ctx, void*) {
  duk_push_thread_new_globalenv(ctx);
  return 1;
}

struct RunJob {
  const uint8_t* bytecode;
  size_t bytecode_size;
  const char* arguments;  // JSON array of the arguments; null: only load
  size_t arguments_size;
  const char* function;   // the entry function's name
  const char* signature;  // "name(a, b)", for the error
  duk_idx_t arity;
};

// Loads the program into this thread's (fresh) global environment, runs its
// global code, and calls apply() when arguments are given.
duk_ret_t RunInFreshGlobals(duk_context* ctx, void* udata) {
  const auto* job = static_cast<const RunJob*>(udata);
  duk_push_global_object(ctx);
  // Nothing but the arguments may influence a decision (replayability).
  duk_del_prop_string(ctx, -1, "Date");
  duk_get_prop_string(ctx, -1, "Math");
  duk_del_prop_string(ctx, -1, "random");
  duk_pop(ctx);

  void* buffer = duk_push_fixed_buffer(ctx, job->bytecode_size);
  std::memcpy(buffer, job->bytecode, job->bytecode_size);
  duk_load_function(ctx);
  duk_call(ctx, 0);
  duk_pop(ctx);

  duk_get_prop_string(ctx, -1, job->function);
  // No C++ object with a destructor lives in this frame: Duktape's errors
  // unwind it with longjmp.
  if (!duk_is_function(ctx, -1)) return duk_type_error(ctx, "the script defines no function %s", job->signature);
  if (job->arguments == nullptr) return 0;
  const duk_idx_t count = job->arity;
  duk_push_lstring(ctx, job->arguments, job->arguments_size);
  duk_json_decode(ctx, -1);
  for (duk_idx_t i = 0; i < count; ++i) {
    duk_get_prop_index(ctx, -1 - i, static_cast<duk_uarridx_t>(i));
  }
  duk_remove(ctx, -1 - count);  // the array
  duk_call(ctx, count);
  return 1;
}

const char* TypeName(duk_int_t type) {
  switch (type) {
    case DUK_TYPE_UNDEFINED:
      return "undefined";
    case DUK_TYPE_NULL:
      return "null";
    case DUK_TYPE_NUMBER:
      return "a number";
    case DUK_TYPE_OBJECT:
      return "an object";
    case DUK_TYPE_BUFFER:
      return "a buffer";
    default:
      return "a value of another type";
  }
}

}  // namespace

struct PolicyScript::Heap {
  Budget budget;
  duk_context* ctx = nullptr;

  ~Heap() {
    budget.EndRun();
    if (ctx != nullptr) duk_destroy_heap(ctx);
  }

  static std::unique_ptr<Heap> Create() {
    auto heap = std::make_unique<Heap>();
    heap->ctx =
        duk_create_heap(BudgetAlloc, BudgetRealloc, BudgetFree, &heap->budget, FatalHandler);
    if (heap->ctx == nullptr) return nullptr;
    return heap;
  }

  // What went wrong in the protected call whose error value is on top of
  // `ctx`'s stack.
  std::string ErrorText(duk_context* where) {
    if (budget.time_exhausted) {
      return "ran longer than " + std::to_string(kTimeLimit.count()) + " ms";
    }
    if (budget.memory_exhausted) {
      return "exceeded the memory limit of " + std::to_string(kMemoryLimitBytes >> 20) + " MiB";
    }
    return duk_safe_to_string(where, -1);
  }

  // Runs `job` in a new thread with fresh built-ins. On success the thread's
  // result is interpreted by `on_result`; the stack is restored either way.
  template <typename OnResult>
  Status Run(const RunJob& job, OnResult on_result) {
    duk_idx_t base = duk_get_top(ctx);
    budget.StartRun();
    Status status;
    if (duk_safe_call(ctx, PushFreshThread, nullptr, 0, 1) != DUK_EXEC_SUCCESS) {
      budget.EndRun();
      status = MakeError(ErrorCode::kInternal, ErrorText(ctx));
    } else {
      duk_context* thread = duk_get_context(ctx, -1);
      duk_int_t rc = duk_safe_call(thread, RunInFreshGlobals, const_cast<RunJob*>(&job), 0, 1);
      budget.EndRun();
      if (rc != DUK_EXEC_SUCCESS) {
        status = MakeError(ErrorCode::kInvalidArgument, ErrorText(thread));
      } else {
        on_result(thread);
      }
    }
    duk_set_top(ctx, base);
    return status;
  }
};

Result<std::unique_ptr<PolicyScript>> PolicyScript::Compile(std::string_view source, ScriptEntry entry) {
  auto heap = Heap::Create();
  if (heap == nullptr) return MakeError(ErrorCode::kInternal, "cannot create a Duktape heap");
  std::unique_ptr<PolicyScript> script(new PolicyScript());
  script->entry_ = std::move(entry);
  script->signature_ = script->entry_.name + "(";
  for (size_t i = 0; i < script->entry_.parameters.size(); ++i) {
    script->signature_ += (i == 0 ? "" : ", ") + script->entry_.parameters[i];
  }
  script->signature_ += ")";

  CompileJob compile{source.data(), source.size()};
  heap->budget.StartRun();
  duk_int_t rc = duk_safe_call(heap->ctx, CompileProgram, &compile, 0, 1);
  heap->budget.EndRun();
  if (rc != DUK_EXEC_SUCCESS) {
    std::string message = heap->ErrorText(heap->ctx);
    duk_pop(heap->ctx);
    return MakeError(ErrorCode::kInvalidArgument, "policy script does not compile: " + message);
  }
  duk_size_t size = 0;
  const auto* data = static_cast<const uint8_t*>(duk_get_buffer_data(heap->ctx, -1, &size));
  script->bytecode_.assign(data, data + size);
  duk_pop(heap->ctx);

  RunJob load{script->bytecode_.data(), script->bytecode_.size(), nullptr, 0, script->entry_.name.c_str(),
              script->signature_.c_str(), static_cast<duk_idx_t>(script->entry_.parameters.size())};
  Status loaded = heap->Run(load, [](duk_context*) {});
  if (!loaded.ok()) {
    return MakeError(ErrorCode::kInvalidArgument, "policy script: " + loaded.message());
  }
  script->ReleaseHeap(std::move(heap));
  return script;
}

PolicyScript::~PolicyScript() = default;

std::unique_ptr<PolicyScript::Heap> PolicyScript::AcquireHeap() const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!idle_heaps_.empty()) {
      auto heap = std::move(idle_heaps_.back());
      idle_heaps_.pop_back();
      return heap;
    }
  }
  return Heap::Create();
}

void PolicyScript::ReleaseHeap(std::unique_ptr<Heap> heap) const {
  std::lock_guard<std::mutex> lock(mutex_);
  idle_heaps_.push_back(std::move(heap));
}

Decision PolicyScript::Apply(const std::string& arguments_json) const {
  auto heap = AcquireHeap();
  if (heap == nullptr) return Decision{false, "policy script: cannot create a Duktape heap"};

  Decision decision;
  RunJob job{bytecode_.data(),      bytecode_.size(),   arguments_json.data(),
             arguments_json.size(), entry_.name.c_str(), signature_.c_str(),
             static_cast<duk_idx_t>(entry_.parameters.size())};
  Status status = heap->Run(job, [&decision, this](duk_context* thread) {
    duk_int_t type = duk_get_type(thread, -1);
    if (type == DUK_TYPE_BOOLEAN) {
      decision.allowed = duk_get_boolean(thread, -1) != 0;
      if (!decision.allowed) decision.reason = "policy script refused";
    } else if (type == DUK_TYPE_STRING) {
      duk_size_t length = 0;
      const char* text = duk_get_lstring(thread, -1, &length);
      decision.allowed = false;
      decision.reason = length > 0 ? std::string(text, length) : "policy script refused";
    } else {
      decision.allowed = false;
      decision.reason = "policy script: " + entry_.name + "() returned " + TypeName(type) +
                        ", expected true, false or a string";
    }
  });
  if (!status.ok()) {
    // A heap whose run failed may hold half-built state: it is not reused.
    return Decision{false, "policy script failed: " + status.message()};
  }
  ReleaseHeap(std::move(heap));
  return decision;
}

}  // namespace scitt::policy
