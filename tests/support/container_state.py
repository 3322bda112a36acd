"""Running skopeo and podman without touching the machine's container state.

As root, skopeo and podman keep their blob-info cache in
/var/lib/containers/cache whatever else is configured. Where a private mount
namespace can be had (root with CAP_SYS_ADMIN, as here and in CI), they run in
one with a directory of the test bound over /var/lib/containers."""
import os
import subprocess

_BIND = 'mkdir -p /var/lib/containers && mount --bind "$0" /var/lib/containers && exec "$@"'


def private_runner(work):
    """A function that wraps an argv to run with `work`/var-lib-containers as
    /var/lib/containers (or returns it unchanged, with a note printed once,
    where no private mount namespace is possible)."""
    state = os.path.join(work, "var-lib-containers")
    os.makedirs(state, exist_ok=True)
    try:
        probe = subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", _BIND,
                                state, "true"], capture_output=True, timeout=30, stdin=subprocess.DEVNULL)
        isolated = probe.returncode == 0
    except OSError:
        isolated = False
    if not isolated:
        print("note: no private mount namespace here: skopeo and podman update /var/lib/containers/cache")

    def contained(argv):
        if not isolated:
            return list(argv)
        return ["unshare", "--mount", "--propagation", "private", "--", "sh", "-c", _BIND, state, *argv]

    contained.isolated = isolated
    contained.state = state
    return contained
