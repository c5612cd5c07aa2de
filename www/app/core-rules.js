// Written by the core (src/rules.rs, page_module): do not edit. After a change there, run
// UPDATE_PAGE_RULES=1 cargo test --release --test page_rules
export default {
  "choices": {
    "controls": [
      "random_reinit",
      "random_prune"
    ],
    "optimizer": [
      "adam",
      "sgd"
    ],
    "prune_schedule": [
      "iterative",
      "one_shot"
    ],
    "prune_scope": [
      "layer",
      "global"
    ],
    "reset": [
      "init",
      "rewind",
      "continue"
    ]
  },
  "defaults": {
    "batch_size": 60,
    "beta1": 0.9,
    "beta2": 0.999,
    "controls": [],
    "epsilon": 1e-8,
    "eval_every": 100,
    "init": "glorot-normal",
    "iterations": 50000,
    "learning_rate": 0.0012,
    "model": "lenet-300-100",
    "momentum": 0.9,
    "optimizer": "adam",
    "prune_rate": 0.2,
    "prune_rate_conv": 0.1,
    "prune_rate_output": 0.1,
    "prune_schedule": "iterative",
    "prune_scope": "layer",
    "reset": "init",
    "rewind_step": 0,
    "rounds": 0,
    "seed": 0,
    "train_size": 0,
    "validation_size": 5000
  },
  "models": {
    "conv-2": {
      "iterations": 20000,
      "learning_rate": 0.0002,
      "prune_rate_conv": 0.1
    },
    "conv-2-quarter": {
      "iterations": 20000,
      "learning_rate": 0.0002,
      "prune_rate_conv": 0.1
    },
    "conv-4": {
      "iterations": 25000,
      "learning_rate": 0.0003,
      "prune_rate_conv": 0.1
    },
    "conv-4-quarter": {
      "iterations": 25000,
      "learning_rate": 0.0003,
      "prune_rate_conv": 0.1
    },
    "conv-6": {
      "iterations": 30000,
      "learning_rate": 0.0003,
      "prune_rate_conv": 0.15
    },
    "conv-6-quarter": {
      "iterations": 30000,
      "learning_rate": 0.0003,
      "prune_rate_conv": 0.15
    },
    "lenet-300-100": {
      "iterations": 50000,
      "learning_rate": 0.0012,
      "prune_rate_conv": 0.1
    },
    "lenet-5": {
      "iterations": 50000,
      "learning_rate": 0.0012,
      "prune_rate_conv": 0.1
    }
  },
  "presets": [
    {
      "controls": [
        "random_reinit"
      ],
      "eval_every": 150,
      "iterations": {
        "conv-2": 1500,
        "conv-2-quarter": 1500,
        "conv-4": 1500,
        "conv-4-quarter": 1500,
        "conv-6": 1500,
        "conv-6-quarter": 1500,
        "lenet-300-100": 1500,
        "lenet-5": 1500
      },
      "name": "quick",
      "rounds": 15
    },
    {
      "controls": [
        "random_reinit"
      ],
      "eval_every": 100,
      "iterations": {
        "conv-2": 20000,
        "conv-2-quarter": 20000,
        "conv-4": 25000,
        "conv-4-quarter": 25000,
        "conv-6": 30000,
        "conv-6-quarter": 30000,
        "lenet-300-100": 50000,
        "lenet-5": 50000
      },
      "name": "paper",
      "rounds": 18
    }
  ],
  "ranges": {
    "batch_size": [
      1,
      65536
    ],
    "eval_every": [
      1,
      100000000
    ],
    "rewind_step": [
      0,
      100000000
    ],
    "rounds": [
      0,
      40
    ],
    "seed": [
      0,
      9007199254740991
    ],
    "train_size": [
      0,
      55000
    ]
  }
};
