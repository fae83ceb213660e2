//! What C names say about a function or parameter that its types do not:
//! file names and functions that act on files (`path`), addresses and
//! functions that act on memory, the end of a range, and what a function
//! does to the host process. Plain functions of names, for `func.rs`.

/// What a C library function does to the process that calls it, when that
/// is more than a guest may do to its host: end it (`abort`, `exit`),
/// signal it or others (`raise`, `kill`, `alarm`), run programs (`system`,
/// `fork`, `execv`, `posix_spawn`), change who it is or where its root and
/// working directory are (`setuid`, `chroot`, `chdir`), its environment
/// (`setenv`) or its signal handling (`signal`, `sigprocmask`), or wait
/// forever (`pause`): libc's, POSIX's and C11's names; and, by the words
/// of any library's names, load native code or end the library
/// process-wide (see [`loads_code_or_ends_the_library`]).
pub(super) fn of_the_host_process(name: &str, takes_nothing: bool) -> Option<&'static str> {
    Some(match name {
        "abort" | "exit" | "_exit" | "_Exit" | "quick_exit" | "pthread_exit" | "thrd_exit"
        | "longjmp" | "siglongjmp" | "_longjmp" => "ends the process or jumps out of it",
        "raise" | "kill" | "killpg" | "tgkill" | "tkill" | "pthread_kill" | "sigqueue"
        | "pthread_sigqueue" | "alarm" | "ualarm" | "setitimer" => "sends signals",
        "system" | "popen" | "fork" | "vfork" | "_Fork" | "clone" | "execl" | "execle"
        | "execlp" | "execv" | "execve" | "execvp" | "execvpe" | "fexecve" | "posix_spawn"
        | "posix_spawnp" | "daemon" => "runs programs",
        "setuid" | "seteuid" | "setreuid" | "setresuid" | "setgid" | "setegid" | "setregid"
        | "setresgid" | "setgroups" | "initgroups" | "setfsuid" | "setfsgid" | "chroot"
        | "pivot_root" | "setsid" | "setpgid" | "setpgrp" | "chdir" | "fchdir" | "umask"
        | "setrlimit" | "prlimit" | "nice" | "setpriority" => {
            "changes who the process is, where it stands or what it may use"
        }
        "setenv" | "unsetenv" | "putenv" | "clearenv" => "changes the process's environment",
        "signal" | "sigset" | "bsd_signal" | "sysv_signal" | "sigaction" | "sigprocmask"
        | "pthread_sigmask" | "sigsuspend" | "pause" | "sigwait" | "sigwaitinfo"
        | "sigtimedwait" | "sighold" | "sigrelse" | "sigignore" | "siginterrupt" => {
            "changes or waits on the process's signals"
        }
        _ => return loads_code_or_ends_the_library(name, takes_nothing),
    })
}

/// Whether a function runs a program, by its name and its parameters'
/// (any library's): named for spawning (`uv_spawn(loop, process,
/// options)`, `g_spawn_command_line_async`), or taking an `argv` (or
/// `envp`) and named for running it (`gpgme_op_spawn(ctx, file, argv,
/// ...)`, `assuan_pipe_connect(ctx, name, argv, ...)`, `rpm_execcon`) or a
/// program's `main` (`Py_BytesMain(argc, argv)`, `Tcl_MainEx`, which end
/// the process when they are done).
pub(super) fn runs_a_program<'a>(
    name: &str,
    mut params: impl Iterator<Item = &'a str>,
) -> Option<&'static str> {
    let words = crate::names::words(name);
    let has = |f: &dyn Fn(&str) -> bool| words.iter().any(|w| f(w));
    if has(&|w| w == "spawn") {
        return Some("runs programs");
    }
    let argv = params.any(|n| {
        let n = n.to_ascii_lowercase();
        n.ends_with("argv") || n == "envp"
    });
    if !argv {
        None
    } else if has(&|w| w == "main") {
        Some("runs a program's `main` (it may end the process)")
    } else {
        has(&|w| matches!(w, "pipe" | "launch" | "run") || w.starts_with("exec"))
            .then_some("runs programs")
    }
}

/// What else a function's name says it does to the whole process: load
/// native code (`dlopen`, `uv_dlopen`, `sqlite3_load_extension`,
/// `sqlite3_enable_load_extension`, `sqlite3_auto_extension`,
/// `SDL_LoadObject`, `g_module_open`: a guest that can write a file could
/// run its own machine code in the host), or, taking nothing, end the
/// library for every user of it in the process (`sqlite3_shutdown`,
/// `curl_global_cleanup`, `xmlCleanupParser`, `SDL_Quit`, `glfwTerminate`,
/// `gnutls_global_deinit`, `sqlite3_os_end`: other stores' objects would
/// dangle).
fn loads_code_or_ends_the_library(name: &str, takes_nothing: bool) -> Option<&'static str> {
    let words = crate::names::words(name);
    let has = |w: &[&str]| words.iter().any(|x| w.contains(&x.as_str()));
    let code = has(&[
        "extension",
        "library",
        "plugin",
        "module",
        "object",
        "dynamic",
        "provider",
    ]);
    if has(&["dlopen", "dlmopen"]) || code && has(&["load", "enable", "open", "auto", "import"]) {
        return Some("loads native code into the process");
    }
    let ends = has(&["shutdown", "terminate", "deinit", "quit", "cleanup"])
        || has(&["end"]) && has(&["os", "library"]);
    (takes_nothing && ends).then_some("ends the library for every user of it in the process")
}

/// Whether a pointer parameter's name says it ends a range (`end`,
/// `in_end`, `pend`, `last`, `limit`).
pub(super) fn ends_a_range(name: &str) -> bool {
    crate::names::words(name).iter().any(|w| {
        matches!(
            w.as_str(),
            "end" | "pend" | "last" | "limit" | "stop" | "bufend"
        )
    })
}

/// Whether a parameter's name says it is an address (`addr`, `address`,
/// `shmaddr`): of memory C acts on, not bytes it reads.
pub(super) fn names_an_address(wit_name: &str) -> bool {
    crate::names::words(wit_name)
        .iter()
        .any(|w| w.starts_with("addr") || w.ends_with("addr"))
}

/// Whether a function is one of those that act on memory at an address
/// (`mmap`, `munmap`, `mprotect`, `madvise`, `mlock`, `msync`, ...), or
/// moves it (`realloc`).
pub(super) fn acts_on_memory(name: &str) -> bool {
    const MEMORY: &[&str] = &[
        "mmap", "munmap", "mremap", "mprotect", "madvise", "mlock", "munlock", "msync", "mincore",
        "realloc",
    ];
    crate::names::words(name)
        .iter()
        .any(|w| MEMORY.iter().any(|m| w.starts_with(m)))
}

/// Whether a parameter's name says it is a file name (`path`, `filename`,
/// `fileName`, `oldpath`, `dir`): such a string goes through the guest's
/// own directories (`@ffi(path = ...)`), so that a guest cannot name a
/// host file. Not what describes a file (`fileType`, `file_ext`, `dirMode`).
pub(super) fn names_a_file(wit_name: &str) -> bool {
    let words = crate::names::words(wit_name);
    let describes = words.last().is_some_and(|w| {
        matches!(
            w.as_str(),
            "type" | "ext" | "extension" | "mode" | "size" | "format" | "kind"
        )
    });
    !describes
        && words.iter().any(|w| {
            w.starts_with("path")
                || w.ends_with("path")
                || matches!(
                    w.as_str(),
                    "file" | "filename" | "fname" | "dir" | "dirname" | "directory" | "folder"
                )
        })
}

/// Whether a function is one of the file system's own, named after what
/// it does to files (`unlink`, `rename`, `mkdir`, `chmod`, `stat`): all
/// its strings are file names, whatever the parameters are called
/// (`unlink(const char *name)`, `rename(const char *old, const char
/// *new)`).
pub(super) fn acts_on_files(function: &str) -> bool {
    crate::names::words(function).iter().any(|w| {
        matches!(
            w.as_str(),
            "rename"
                | "renameat"
                | "link"
                | "linkat"
                | "symlink"
                | "symlinkat"
                | "unlink"
                | "unlinkat"
                | "remove"
                | "mkdir"
                | "mkdirat"
                | "rmdir"
                | "chdir"
                | "chroot"
                | "chmod"
                | "chown"
                | "lchown"
                | "truncate"
                | "mkfifo"
                | "mknod"
                | "utime"
                | "utimes"
                | "access"
                | "stat"
                | "lstat"
                | "readlink"
                | "realpath"
                | "opendir"
        )
    })
}
