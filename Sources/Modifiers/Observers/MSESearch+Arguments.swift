import JSON

extension MSESearch {
    /// The search MSE observer `name` (its registered spelling) starts from before its
    /// `observer_kwargs`, or nil for an observer that does not search (the min-max ones).
    static func defaults(observer name: String) -> MSESearch? {
        switch name {
        case "mse", "memoryless_mse": return .standard
        case "nvfp4_expanded_mse", "fouroversix": return .nvfp4Expanded
        case "imatrix_mse": return .imatrix
        case "nvfp4_expanded_imatrix": return .nvfp4ExpandedImatrix
        default: return nil
        }
    }

    /// This search with `kwargs` (`observer_kwargs`) applied and checked as llm-compressor 0.14's
    /// observers check them when they are made; keys the search does not read (`averaging_constant`,
    /// `triton_error_buffer`) are left to their readers.
    /// - Throws: `refuse(reason)` for a value the observer would reject.
    func applying(_ kwargs: JSONObject, refuse: (String) -> ModifierError) throws(ModifierError) -> MSESearch {
        var search = self
        for (key, value) in kwargs.members {
            if key == "strict", search.weighted {
                guard let strict = value.boolValue else { throw refuse("observer_kwargs.strict must be true or false") }
                search.strict = strict
                continue
            }
            guard let number = value.numberValue else { throw refuse("observer_kwargs.\(key) must be a number") }
            switch key {
            case "maxshrink": search.maxshrink = number
            case "patience": search.patience = number
            case "grid": search.grid = number
            case "norm": search.norm = number
            case "expand": search.expand = number
            default: break
            }
        }
        if search.weighted {
            // IMatrixMSEObserver's checks of the values given.
            guard search.grid > 0, search.grid.isFinite else { throw refuse("observer_kwargs.grid must be > 0") }
            guard search.patience >= 0 else { throw refuse("observer_kwargs.patience must be >= 0") }
            guard (0...1).contains(search.maxshrink) else { throw refuse("observer_kwargs.maxshrink must be in [0, 1]") }
            guard search.norm > 0, search.norm.isFinite else { throw refuse("observer_kwargs.norm must be a finite positive number") }
            guard search.expand.isFinite, search.expand > 0 else { throw refuse("observer_kwargs.expand must be a finite positive number") }
        } else {
            guard search.expand >= 1 else { throw refuse("observer_kwargs.expand must be at least 1.0") }
            guard search.grid != 0, search.grid.isFinite, search.maxshrink.isFinite else {
                throw refuse("observer_kwargs.grid must be a non-zero finite number and maxshrink finite")
            }
        }
        return search
    }
}
