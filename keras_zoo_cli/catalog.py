"""What ``keras-zoo models``, ``datasets`` and ``components`` list, without importing Keras.

Generated from the registries by ``python -m keras_zoo.cli.listing``: do not edit by hand
(``tests/test_cli_fast.py`` fails when this differs from the registries).
"""

MODELS: dict[str, tuple[str, str]] = {
    'ann': ('ann', 'A fully connected network for tabular data (a compiled ``keras.Sequential``).'),
    'bigru': ('rnn', 'A bidirectional GRU: one GRU reads left to right, another right to left.'),
    'bilstm': ('rnn', 'A bidirectional LSTM: one LSTM reads left to right, another right to left.'),
    'cnn': ('cnn', 'A convolutional network for images (a compiled ``keras.Sequential``).'),
    'efficientnet_b0':
        ('cnn',
         'EfficientNetB0 (Tan & Le, 2019) backbone with a new head: compound-scaled MBConv '
         'blocks, 4.0M weights.'),
    'gru': ('rnn', 'A GRU network: update and reset gates, fewer weights than an LSTM.'),
    'lenet5':
        ('cnn',
         'LeNet-5 (LeCun et al., 1998): two 5x5 conv layers with subsampling, then 120-84 dense.'),
    'lstm': ('rnn', 'An LSTM network: forget, input and output gates keep long-range information.'),
    'mobilenet_v2':
        ('cnn',
         'MobileNetV2 (Sandler et al., 2018) backbone with a new head: inverted residuals, 2.3M '
         'weights at alpha=1.'),
    'resnet50':
        ('cnn',
         'ResNet50 (He et al., 2015) backbone with a new head: residual blocks, 23.6M weights.'),
    'rnn': ('rnn', 'A recurrent network (SimpleRNN, LSTM or GRU) for text and sequences.'),
    'seq2seq':
        ('seq2seq',
         'An encoder-decoder with attention that translates text (a compiled :class:`Seq2Seq`).'),
    'simple_rnn':
        ('rnn',
         'A SimpleRNN (Elman) network: the plain recurrent cell, prone to vanishing gradients.'),
    'vgg_small':
        ('cnn',
         "A small VGG-style network: blocks of two 3x3 'same' convolutions and 2x2 max pooling."),
}

DATASETS: dict[str, str] = {
    'breast_cancer':
        'Breast cancer Wisconsin: 569 tumours, 30 features, malignant vs benign (binary).',
    'cifar10':
        ('CIFAR-10: 60,000 32x32x3 photos (50,000 train + 10,000 test), 10 classes; downloaded '
         'once by Keras (163 MB).'),
    'cifar100':
        ("CIFAR-100: 60,000 32x32x3 photos, 100 fine classes (label_mode='coarse': 20 "
         'superclasses); downloaded once by Keras (161 MB).'),
    'dates':
        ('Generated: human-readable dates in 12 formats -> ISO 8601 (character pairs, seeded, no '
         'download).'),
    'diabetes':
        'Diabetes: 442 patients, 10 features, disease progression after one year (regression).',
    'digits':
        ('Digits: 1,797 8x8 handwritten digits as 64 pixel features, 10 classes (multiclass). '
         'as_images=True gives 8x8x1 images.'),
    'digits_images':
        ('Digits as images: 1,797 8x8x1 handwritten digits, pixel values 0-16, 10 classes '
         "(multiclass); the splits of 'digits'."),
    'fashion_mnist':
        ('Fashion-MNIST: 70,000 28x28x1 clothing images, 10 classes; downloaded once by Keras (30 '
         'MB).'),
    'imdb':
        "IMDB reviews: 50,000 word-id sequences, binary sentiment (Keras' copy, downloaded once).",
    'iris': 'Iris: 150 flowers, 4 measurements, 3 species (multiclass).',
    'mnist':
        ('MNIST: 70,000 28x28x1 handwritten digits (60,000 train + 10,000 test), 10 classes; '
         'downloaded once by Keras (11 MB).'),
    'reuters':
        "Reuters newswires: 11,228 word-id sequences, 46 topics (Keras' copy, downloaded once).",
    'reversal':
        'Generated: random letter strings -> reversed (character pairs, seeded, no download).',
    'wine': 'Wine: 178 wines, 13 chemical measurements, 3 cultivars (multiclass).',
    'word_order':
        ('Generated: 4 text classes only word order tells apart (bag-of-words stays at chance; '
         'seeded, no download).'),
}

COMPONENTS: dict[str, dict[str, str]] = {
    'activations': {
        'sigmoid':
            ('1 / (1 + e^-x), output in (0, 1); binary and multilabel outputs. Saturates: avoid '
             'in deep hidden layers (vanishing gradients). (aliases: logistic)'),
        'tanh':
            ('Hyperbolic tangent, output in (-1, 1), zero-centred; still saturates. (aliases: '
             'hyperbolic_tangent)'),
        'relu':
            ('max(0, x): fast, no saturation for x > 0; neurons can die. The default. (aliases: '
             'rectified_linear)'),
        'leaky_relu':
            ('x for x > 0 else slope * x (slope `negative_slope`, default 0.01): no dead neurons. '
             '(aliases: lrelu)'),
        'prelu':
            ('Parametric ReLU: leaky ReLU whose slope is learned per unit (a layer). (aliases: '
             'parametric_relu, parameterised_relu, parameterized_relu)'),
        'elu':
            ('x for x > 0 else alpha * (e^x - 1): smooth, near zero-centred, no dead neurons; '
             'slower to compute. (aliases: exponential_linear)'),
        'selu': 'Scaled ELU: self-normalising with LeCun-normal initialization.',
        'softmax': 'Exponentials normalised to sum to 1: multiclass output layers.',
        'linear': 'Identity: regression outputs. (aliases: identity, none)',
        'gelu': 'Gaussian error linear unit (x * Phi(x)), used by transformers.',
        'swish': 'x * sigmoid(x), smooth and non-monotonic. (aliases: silu)',
        'mish': 'x * tanh(softplus(x)), smooth and non-monotonic.',
        'softplus': 'log(1 + e^x): a smooth ReLU.',
        'softsign': 'x / (1 + |x|): a gentler tanh.',
        'hard_sigmoid': 'Piecewise-linear sigmoid, cheap to compute.',
        'relu6': 'min(max(0, x), 6): ReLU capped at 6 (mobile networks).',
        'exponential': 'e^x. (aliases: exp)',
    },
    'losses': {
        'mse':
            ('Mean squared error: the regression default; differentiable, one minimum, sensitive '
             'to outliers. (aliases: mean_squared_error, l2, squared_error)'),
        'mae':
            ('Mean absolute error: robust to outliers, constant gradient. (aliases: '
             'mean_absolute_error, l1, absolute_error)'),
        'huber':
            ('Huber: squared error below `delta`, absolute error above it. (aliases: huber_loss, '
             'smooth_l1)'),
        'pseudo_huber':
            ('Pseudo-Huber: a smooth Huber, delta^2 (sqrt(1 + (e/delta)^2) - 1). (aliases: '
             'pseudohuber, charbonnier)'),
        'log_cosh':
            ('log(cosh(error)): like MSE for small errors, like MAE for large ones. (aliases: '
             'logcosh)'),
        'msle':
            ('Mean squared logarithmic error: relative errors of positive targets. (aliases: '
             'mean_squared_logarithmic_error)'),
        'mape': 'Mean absolute percentage error. (aliases: mean_absolute_percentage_error)',
        'poisson': 'Poisson negative log-likelihood: count targets.',
        'binary_crossentropy':
            ('Binary cross-entropy (log loss): sigmoid outputs, binary and multilabel tasks; '
             '`label_smoothing` supported. (aliases: bce, binary_cross_entropy, log_loss, '
             'logloss)'),
        'categorical_crossentropy':
            ('Categorical cross-entropy: softmax outputs, one-hot labels; `label_smoothing` '
             'supported. (aliases: cce, categorical_cross_entropy, crossentropy, cross_entropy)'),
        'sparse_categorical_crossentropy':
            ('Sparse categorical cross-entropy: softmax outputs, integer labels; '
             '`label_smoothing` supported (keras_zoo adds it). (aliases: scce, sparse_cce, '
             'sparse_categorical_cross_entropy)'),
        'hinge':
            ('Hinge loss max(0, 1 - y * f(x)) of SVMs; 0/1 labels are mapped to -1/1. (aliases: '
             'svm)'),
        'squared_hinge': 'Squared hinge loss: a smoother hinge.',
        'categorical_hinge': 'Multiclass hinge loss on one-hot labels.',
        'kl_divergence':
            ('Kullback-Leibler divergence between label and predicted distributions. (aliases: '
             'kld, kullback_leibler_divergence)'),
    },
    'optimizers': {
        'gd':
            ('Full-batch (vanilla) gradient descent: the whole training set is one batch, one '
             'update per epoch; smooth but memory-hungry. (aliases: batch_gd, full_batch_gd, '
             'gradient_descent, batch_gradient_descent)'),
        'sgd':
            ('Stochastic gradient descent: one sample per update (batch_size=1); noisy and slow '
             'per epoch. (aliases: stochastic_gradient_descent)'),
        'minibatch_sgd':
            ('Mini-batch SGD: plain SGD updates on batches (batch_size, default 32). (aliases: '
             'mini_batch_sgd, minibatch, mbsgd)'),
        'momentum':
            ('Mini-batch SGD with momentum 0.9: an exponentially weighted average of gradients '
             'smooths the noise. (aliases: sgd_momentum, momentum_sgd, sgdm)'),
        'nesterov':
            ('SGD with Nesterov momentum 0.9 (look-ahead gradient). (aliases: nag, '
             'nesterov_momentum)'),
        'adagrad':
            'Adagrad: per-parameter learning rates that decay with the sum of squared gradients.',
        'rmsprop':
            ('RMSprop: Adagrad with an exponentially decaying average, so the rate does not '
             'vanish. (aliases: rms_prop)'),
        'adam': 'Adam: momentum + RMSprop with bias correction; the usual default.',
        'adamw': 'Adam with decoupled weight decay. (aliases: adam_w)',
        'nadam': 'Adam with Nesterov momentum.',
        'adamax': 'Adam with the infinity norm.',
        'adadelta': 'Adadelta: Adagrad variant without a decaying global rate.',
        'ftrl': 'FTRL-proximal: sparse, L1-friendly updates (large linear models).',
        'lion': 'Lion: sign-based momentum updates (use a 3-10x smaller learning rate).',
    },
    'initializers': {
        'zeros':
            ('All zeros: every unit learns the same thing (symmetry); for biases only. (aliases: '
             'zero)'),
        'ones': 'All ones: same symmetry problem as zeros. (aliases: one)',
        'random_normal':
            ('N(0, 0.05^2): plain random; too large or small a scale explodes or vanishes '
             'gradients in deep nets. (aliases: random, normal, gaussian)'),
        'random_uniform': 'U(-0.05, 0.05): plain random. (aliases: uniform)',
        'truncated_normal': 'N(0, 0.05^2) truncated at two standard deviations.',
        'glorot_uniform':
            ("Glorot/Xavier uniform, variance 2 / (fan_in + fan_out): tanh and sigmoid; Keras' "
             'default. (aliases: xavier_uniform, glorot, xavier)'),
        'glorot_normal': 'Glorot/Xavier normal. (aliases: xavier_normal)',
        'he_normal':
            ('He/Kaiming normal, variance 2 / fan_in: the ReLU family. (aliases: kaiming_normal, '
             'he, kaiming)'),
        'he_uniform': 'He/Kaiming uniform. (aliases: kaiming_uniform)',
        'lecun_normal':
            'LeCun normal, variance 1 / fan_in: SELU (self-normalising nets). (aliases: lecun)',
        'lecun_uniform': 'LeCun uniform.',
        'orthogonal': 'Random orthogonal matrix: recurrent kernels, very deep nets.',
    },
}
