import Synchronization
import ZoetropeCore

/// Bytes of request bodies that all requests together may hold in memory at once. A request
/// that reads its body into memory reserves its declared length before reading (a chunked body
/// reserves each chunk as it arrives) and gives the reservation back when it has been answered;
/// a reservation that would go over `capacity` is refused with a 503 and `Retry-After`.
final class BodyMemoryBudget: Sendable {
    let capacity: Int
    private let used = Mutex(0)

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// Bytes reserved now.
    var inUse: Int { used.withLock { $0 } }

    /// A new, empty reservation for one request.
    func reservation() -> Reservation { Reservation(budget: self) }

    fileprivate func take(_ bytes: Int) -> Bool {
        used.withLock { used in
            guard bytes <= capacity - used else { return false }
            used += bytes
            return true
        }
    }

    fileprivate func give(_ bytes: Int) {
        used.withLock { $0 -= bytes }
    }

    /// One request's share of the budget.
    final class Reservation: Sendable {
        private let budget: BodyMemoryBudget
        private let held = Mutex(0)

        fileprivate init(budget: BodyMemoryBudget) {
            self.budget = budget
        }

        /// Reserves `bytes` more, or throws the 503 when the budget does not have them.
        func grow(by bytes: Int) throws {
            guard bytes > 0 else { return }
            guard budget.take(bytes) else { throw APIError.bodyMemoryExhausted(capacity: budget.capacity) }
            held.withLock { $0 += bytes }
        }

        /// Gives back everything this reservation holds.
        func release() {
            let bytes = held.withLock { held in
                defer { held = 0 }
                return held
            }
            if bytes > 0 { budget.give(bytes) }
        }

        deinit { release() }
    }
}
