"""The grader's own ResNet-50 pieces, written independently of the solution notebook."""

from keras import Input, Model, layers
from keras.initializers import GlorotUniform, RandomUniform

STAGES = (  # filters, stride of the convolutional block, identity blocks after it
    ((64, 64, 256), 1, 2),
    ((128, 128, 512), 2, 3),
    ((256, 256, 1024), 2, 5),
    ((512, 512, 2048), 2, 2),
)


def _conv_bn(x, filters, kernel, stride, padding, initializer, relu):
    x = layers.Conv2D(
        filters, kernel, strides=stride, padding=padding, kernel_initializer=initializer(seed=0)
    )(x)
    x = layers.BatchNormalization(axis=3)(x)
    return layers.Activation("relu")(x) if relu else x


def identity_block(x, f, filters, initializer=RandomUniform):
    f1, f2, f3 = filters
    main = _conv_bn(x, f1, 1, 1, "valid", initializer, relu=True)
    main = _conv_bn(main, f2, f, 1, "same", initializer, relu=True)
    main = _conv_bn(main, f3, 1, 1, "valid", initializer, relu=False)
    return layers.Activation("relu")(layers.Add()([main, x]))


def convolutional_block(x, f, filters, s=2, initializer=GlorotUniform):
    f1, f2, f3 = filters
    main = _conv_bn(x, f1, 1, s, "valid", initializer, relu=True)
    main = _conv_bn(main, f2, f, 1, "same", initializer, relu=True)
    main = _conv_bn(main, f3, 1, 1, "valid", initializer, relu=False)
    shortcut = _conv_bn(x, f3, 1, s, "valid", initializer, relu=False)
    return layers.Activation("relu")(layers.Add()([main, shortcut]))


def resnet50(input_shape=(64, 64, 3), classes=10, identity=None, convolutional=None):
    """The network; the judge passes the probe's marker blocks to compare ResNet50's own code alone."""
    identity, convolutional = identity or identity_block, convolutional or convolutional_block
    inputs = Input(input_shape)
    x = layers.ZeroPadding2D((3, 3))(inputs)
    x = _conv_bn(x, 64, 7, 2, "valid", GlorotUniform, relu=True)
    x = layers.MaxPooling2D((3, 3), strides=(2, 2))(x)
    for filters, stride, identities in STAGES:
        x = convolutional(x, 3, filters, s=stride)
        for _ in range(identities):
            x = identity(x, 3, filters)
    x = layers.AveragePooling2D((2, 2))(x)
    x = layers.Flatten()(x)
    outputs = layers.Dense(classes, activation="softmax", kernel_initializer=GlorotUniform(seed=0))(x)
    return Model(inputs, outputs)


def block_model(block, input_shape, **kwargs):
    inputs = Input(input_shape)
    return Model(inputs, block(inputs, **kwargs))
