// Reads a file out of a submission only if it is a regular file itself: a symbolic link (to
// /etc/passwd, say), a FIFO or a device is refused, checked on the opened descriptor so the
// file cannot be swapped for a link between the check and the read.
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

enum RegularFile {
    enum Failure: Error, Equatable {
        /// A symbolic link, FIFO, socket or device.
        case notRegular
        case tooLarge
        /// open/read failed with this errno.
        case unreadable(Int32)
    }

    /// The bytes of `url`, at most `maxBytes`, never through a symbolic link.
    static func contents(of url: URL, maxBytes: Int) throws(Failure) -> Data {
        // O_NONBLOCK: opening a FIFO must not wait for a writer before fstat refuses it.
        let fd = open(url.path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else {
            // O_NOFOLLOW on a link fails with ELOOP.
            throw errno == ELOOP ? .notRegular : .unreadable(errno)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(errno) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw .notRegular }
        guard Int(info.st_size) <= maxBytes else { throw .tooLarge }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw .unreadable(errno)
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            guard data.count <= maxBytes else { throw .tooLarge }
        }
        return data
    }

    /// Whether `url` itself (not what a link points at) is a regular file or a directory.
    static func kind(_ url: URL) -> FileAttributeType? {
        var info = stat()
        guard lstat(url.path, &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .typeRegular
        case S_IFDIR: return .typeDirectory
        case S_IFLNK: return .typeSymbolicLink
        default: return .typeUnknown
        }
    }
}
